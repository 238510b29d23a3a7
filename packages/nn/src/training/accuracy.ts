import { compile, iscalar, type Backend, type SharedVariable } from '@hypatia/core';
import { add, castTo, eq, mul, sliceAxis, sum } from '@hypatia/ops';
import type { OutputLayer } from '../layers/layer.js';
import type { Network } from '../network.js';

/**
 * The fraction of examples `net` classifies correctly, as a function compiled once: images `x` and
 * labels `y` stay in shared variables, each batch of `evalBatchSize` rows is selected through givens
 * (as network3 does), and the correct predictions are counted batch by batch and divided once, so
 * any batch size gives the same accuracy. The data must already be checked against the network.
 */
export async function accuracyFunction(
  net: Network, x: SharedVariable, y: SharedVariable, label: string, backend: string | Backend, evalBatchSize = 1000,
): Promise<() => Promise<number>> {
  const n = y.valueShape[0]!;
  const i = iscalar('i');
  const e = Math.max(1, Math.min(evalBatchSize, n));
  const last = net.layers[net.layers.length - 1] as OutputLayer;
  const correct = sum(castTo(eq(net.y, last.yOut), 'int32'));
  const f = await compile({
    name: `${label}_correct`, inputs: [i], outputs: correct, backend,
    givens: [[net.x, sliceAxis(x, 0, mul(i, e), mul(add(i, 1), e))], [net.y, sliceAxis(y, 0, mul(i, e), mul(add(i, 1), e))]],
  });
  return async () => {
    let total = 0;
    for (let b = 0; b * e < n; b++) total += (await f(b)).data[0]!;
    return total / n;
  };
}
