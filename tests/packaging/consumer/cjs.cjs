// Run by pack-install.test.ts: the same packages through require(), printed as JSON.
const { compile, grad, registeredBackends, scalar } = require('@hypatia/core');
const { mul } = require('@hypatia/ops');
const { OP_TABLE } = require('@hypatia/ops/backend');
require('@hypatia/backends');
const { FullyConnectedLayer, Network, SoftmaxLayer } = require('@hypatia/nn');
const { loadMnist } = require('@hypatia/nn/node');

(async () => {
  const x = scalar('x');
  const dx2 = await compile({ inputs: [x], outputs: grad(mul(x, x), x), backend: 'reference' });
  const net = new Network([new FullyConnectedLayer({ nIn: 4, nOut: 3 }), new SoftmaxLayer({ nIn: 3, nOut: 2 })], 2);
  let mnist = 'loaded';
  try { loadMnist({ limit: 1 }); } catch (e) { mnist = e.message; }
  console.log(JSON.stringify({
    derivative: (await dx2(4)).item(),
    backends: registeredBackends(),
    opTableRows: OP_TABLE.length,
    layers: net.layers.length,
    mnist,
  }));
})();
