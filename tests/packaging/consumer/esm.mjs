// Run by pack-install.test.ts in a project that installed the packed tarballs with npm: every
// entry loads as an ES module, and what it computes is printed as JSON for the test to check.
import { compile, grad, registeredBackends, scalar } from '@hypatia/core';
import { mul } from '@hypatia/ops';
import { OP_TABLE } from '@hypatia/ops/backend';
import '@hypatia/backends';
import { FullyConnectedLayer, Network, SoftmaxLayer } from '@hypatia/nn';
import { loadMnist } from '@hypatia/nn/node';

const x = scalar('x');
const dx2 = await compile({ inputs: [x], outputs: grad(mul(x, x), x), backend: 'reference' });
const net = new Network([new FullyConnectedLayer({ nIn: 4, nOut: 3 }), new SoftmaxLayer({ nIn: 3, nOut: 2 })], 2);
console.log(JSON.stringify({
  derivative: (await dx2(4)).item(),
  backends: registeredBackends(),
  opTableRows: OP_TABLE.length,
  layers: net.layers.length,
  webgpu: await compile({ inputs: [x], outputs: x, backend: 'webgpu' }).then(() => 'compiled', (e) => e.message),
  mnist: (() => { try { loadMnist({ limit: 1 }); return 'loaded'; } catch (e) { return e.message; } })(),
}));
