// The network3 training step (shallow and conv nets, mini-batch 10) on the native and reference
// backends: examples/s, and which ops run on the host. Run: npx tsx bench/native-train-step.ts [--print]
import { NDArray, compile, grad, iscalar, shared, type Variable } from '@hypatia/core';
import { add, mul, sliceAxis } from '@hypatia/ops';
import { ConvPoolLayer, FullyConnectedLayer, Network, SoftmaxLayer, sgdRule, type Layer } from '@hypatia/nn';
import '@hypatia/backends';

const mb = 10;
const n = 200;
const nets: Record<string, () => Layer[]> = {
  shallow: () => [new FullyConnectedLayer({ nIn: 784, nOut: 100, seed: 1 }), new SoftmaxLayer({ nIn: 100, nOut: 10, seed: 2 })],
  conv: () => [
    new ConvPoolLayer({ imageShape: [mb, 1, 28, 28], filterShape: [20, 1, 5, 5], poolSize: [2, 2], seed: 1 }),
    new FullyConnectedLayer({ nIn: 20 * 12 * 12, nOut: 100, seed: 2 }), new SoftmaxLayer({ nIn: 100, nOut: 10, seed: 3 }),
  ],
};

function data(): { x: NDArray; y: NDArray } {
  const x = NDArray.zeros('float32', [n, 784]);
  for (let i = 0; i < x.size; i++) x.data[i] = (Math.sin(i * 0.37) + 1) / 2;
  const y = NDArray.zeros('int32', [n]);
  for (let i = 0; i < n; i++) y.data[i] = (i * 7) % 10;
  return { x, y };
}

async function step(name: string, backend: string) {
  const net = new Network(nets[name]!(), mb);
  const cost = (net as unknown as { last: { cost(y: Variable): Variable } }).last.cost(net.y);
  const grads = grad(cost, net.params);
  const d = data();
  const tx = shared(d.x, { name: 'trainingX' });
  const ty = shared(d.y, { name: 'trainingY' });
  const i = iscalar('i');
  return compile({
    name: 'train_mb', inputs: [i], outputs: cost, backend, updates: sgdRule(0.1).updates(net.params, grads),
    givens: [[net.x, sliceAxis(tx, 0, mul(i, mb), mul(add(i, 1), mb))], [net.y, sliceAxis(ty, 0, mul(i, mb), mul(add(i, 1), mb))]],
  });
}

const print = process.argv.includes('--print');
for (const name of Object.keys(nets)) {
  const rates: string[] = [];
  for (const backend of ['reference', 'native']) {
    const f = await step(name, backend);
    if (print && backend === 'native') console.log(f.debugPrint().split('\n\n').pop());
    await f.run([0]);
    // Best of three passes over the data: the machine is shared, and the best pass is the least disturbed.
    const batches = n / mb;
    let rate = 0;
    let c = 0;
    for (let pass = 0; pass < 3; pass++) {
      const t0 = performance.now();
      c = 0;
      for (let b = 0; b < batches; b++) c += (await f.run([b]))[0]!.data[0]!;
      rate = Math.max(rate, (batches * mb) / ((performance.now() - t0) / 1000));
    }
    rates.push(`${backend} ${rate.toFixed(0)} examples/s (mean cost of the last pass ${(c / batches).toFixed(4)})`);
  }
  console.log(`${name}: ${rates.join(', ')}`);
}
