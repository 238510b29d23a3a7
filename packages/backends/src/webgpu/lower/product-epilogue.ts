import type { Conv2d, ProductEpilogue } from '@hypatia/ops';
import { registerLowering, unsupported } from '../lowering.js';
import { convStep } from './conv.js';
import { epilogueOf } from './epilogue.js';
import { dotStep } from './linalg.js';
import { matmulStep } from './matmul.js';

// product_epilogue: the product's own kernel with the elementwise formula applied before each store.
registerLowering('product_epilogue', (device, node) => {
  const op = node.op as ProductEpilogue;
  const epi = epilogueOf(node);
  const product = op.product as unknown as { name: string; transA: boolean; transB: boolean };
  switch (product.name) {
    case 'dot': return dotStep(device, node, product, epi);
    case 'matmul': return matmulStep(device, node, product, epi);
    case 'conv2d': return convStep(device, node, 'conv2d', op.product as unknown as Conv2d, op.productArity, epi);
  }
  return unsupported(node, `no WGSL epilogue for a ${product.name} product`);
});
