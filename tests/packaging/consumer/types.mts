// Type-checked by pack-install.test.ts against the packed declarations (.d.ts, the import condition).
import { compile, scalar, type CompiledFunction, type NDArray } from '@hypatia/core';
import { mul, softmax } from '@hypatia/ops';
import { compareArrays } from '@hypatia/ops/backend';
import { ReferenceBackend, WebGPUBackend } from '@hypatia/backends';
import { FullyConnectedLayer, Network, SoftmaxLayer, type Dataset } from '@hypatia/nn';
import { loadMnist, type MnistSplits } from '@hypatia/nn/node';

const x = scalar('x');
const double: CompiledFunction<NDArray> = await compile({ inputs: [x], outputs: mul(x, 2), backend: new ReferenceBackend() });
// noUncheckedIndexedAccess: an element read may be missing.
const first: number | undefined = (await double(3)).data[0];
const net = new Network([new FullyConnectedLayer({ nIn: 4, nOut: 3 }), new SoftmaxLayer({ nIn: 3, nOut: 2 })], 2);
const firstLayer = net.layers[0];
const load: (options?: { limit?: number }) => MnistSplits = loadMnist;
const training: Dataset | undefined = undefined;
export { first, firstLayer, load, training, softmax, compareArrays, WebGPUBackend };
