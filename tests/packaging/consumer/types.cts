// Type-checked by pack-install.test.ts against the packed CommonJS declarations (.d.cts, the require condition).
import { compile, scalar, type NDArray } from '@hypatia/core';
import { mul } from '@hypatia/ops';
import { Network } from '@hypatia/nn';
import { loadMnist } from '@hypatia/nn/node';

export async function double(v: number): Promise<number | undefined> {
  const x = scalar('x');
  const f = await compile({ inputs: [x], outputs: mul(x, 2) });
  const y: NDArray = await f(v);
  return y.data[0];
}
export const kinds = [typeof Network, typeof loadMnist];
