// The browser page: trains network3's shallow net on WebGPU on a small MNIST subset shipped
// beside the bundle, showing the test accuracy as it rises. Built by build.ts.
import { compile, grad, iscalar, NDArray, registerBackend, shared } from '@hypatia/core';
import { add, mul, sliceAxis } from '@hypatia/ops';
import { FullyConnectedLayer, Network, SoftmaxLayer, sgdRule, type Dataset } from '@hypatia/nn';
// Only the WebGPU backend: the package index also brings the native one, which needs Node.
import { WebGPUBackend, gpuDescription } from '../../packages/backends/src/webgpu/index.js';

registerBackend('webgpu', () => new WebGPUBackend());

/** What the page reports, also read by the end-to-end test through window.hypatia. */
interface PageState {
  status: 'loading' | 'training' | 'done' | 'failed';
  device: string;
  accuracies: number[];
  steps: number;
  error: string | null;
}
const state: PageState = { status: 'loading', device: '', accuracies: [], steps: 0, error: null };
(window as unknown as { hypatia: PageState }).hypatia = state;

const $ = (id: string) => document.getElementById(id)!;
function show(): void {
  $('status').textContent = state.error ? `failed: ${state.error}` : `${state.status}${state.device ? ` on ${state.device}` : ''}, ${state.steps} steps`;
  $('accuracy').textContent = state.accuracies.map((a, i) => `${i === 0 ? 'before training' : `after epoch ${i}`}: ${(a * 100).toFixed(1)}%`).join('\n');
}

/** The subset file: u32 nTrain, u32 nTest, then 784-byte images and 1-byte labels, training first. */
async function loadSubset(): Promise<{ training: Dataset; test: Dataset }> {
  const buf = new Uint8Array(await (await fetch('mnist-subset.bin')).arrayBuffer());
  const [nTrain, nTest] = new Uint32Array(buf.buffer, 0, 2) as unknown as [number, number];
  let at = 8;
  const take = (n: number): Dataset => {
    const px = buf.subarray(at, at + n * 784);
    at += n * 784;
    const labels = buf.subarray(at, at + n);
    at += n;
    return {
      x: new NDArray('float32', [n, 784], Float32Array.from(px, (v) => v / 255)),
      y: new NDArray('int32', [n], Int32Array.from(labels)),
    };
  };
  return { training: take(nTrain), test: take(nTest) };
}

/** Let the browser paint and handle input between GPU steps. */
const yieldToBrowser = () => new Promise<void>((r) => setTimeout(r, 0));

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const epochs = Number(params.get('epochs') ?? 3);
  const eta = Number(params.get('eta') ?? 0.1);
  const mb = 10;
  const { training, test } = await loadSubset();
  const net = new Network([new FullyConnectedLayer({ nIn: 784, nOut: 100, seed: 1 }), new SoftmaxLayer({ nIn: 100, nOut: 10, seed: 10 })], mb);
  const out = net.layers[net.layers.length - 1] as SoftmaxLayer;
  const cost = out.cost(net.y);
  // The training set lives on the GPU; each step slices its mini-batch there (network3's givens).
  const tx = shared(training.x, { name: 'trainingX' });
  const ty = shared(training.y, { name: 'trainingY' });
  const i = iscalar('i');
  const train = await compile({
    name: 'train_mb', inputs: [i], outputs: cost, backend: 'webgpu',
    updates: sgdRule(eta).updates(net.params, grad(cost, net.params)),
    givens: [[net.x, sliceAxis(tx, 0, mul(i, mb), mul(add(i, 1), mb))], [net.y, sliceAxis(ty, 0, mul(i, mb), mul(add(i, 1), mb))]],
  });
  state.device = gpuDescription();
  state.accuracies.push(await net.accuracy(test, { backend: 'webgpu' }));
  state.status = 'training';
  show();
  const nBatches = Math.floor(training.y.size / mb);
  for (let e = 0; e < epochs; e++) {
    for (let b = 0; b < nBatches; b++) {
      // Only every 25th step reads its cost back; the others leave everything on the GPU.
      await train.run([NDArray.from(b, 'int32')], { readOutputs: b % 25 === 0 });
      state.steps++;
      if (b % 5 === 0) { show(); await yieldToBrowser(); }
    }
    state.accuracies.push(await net.accuracy(test, { backend: 'webgpu' }));
    show();
    await yieldToBrowser();
  }
  state.status = 'done';
  show();
}

main().catch((e: unknown) => {
  state.status = 'failed';
  state.error = e instanceof Error ? e.message : String(e);
  show();
});
