import { Conv2d, Dot, MatMul, ProductEpilogue } from '@hypatia/ops';
import { ROUTINES } from '../lowering.js';
import { convStep } from './conv.js';
import { epilogueOf } from './epilogue.js';
import { dotStep } from './linalg.js';
import { matmulStep } from './matmul.js';

// product_epilogue: the product's own routine with the elementwise formula applied before each store.
ROUTINES.set(ProductEpilogue, (node, op) => {
  const { product } = op;
  if (product instanceof Dot) return (device) => dotStep(device, node, product, epilogueOf(node));
  if (product instanceof MatMul) return (device) => matmulStep(device, node, product, epilogueOf(node));
  if (product instanceof Conv2d) return (device) => convStep(device, node, 'conv2d', product, op.productArity, epilogueOf(node));
  return null;
});
