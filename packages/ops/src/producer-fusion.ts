import { fuseProducers, registerRewrite, type GlobalRewrite, type OpClass } from '@hypatia/core';
import { AxisReduction } from './reduce/axis-reduction.js';
import { ArgExtremum } from './reduce/arg-extremum.js';
import { Softmax } from './nnet/softmax.js';
import { LogSoftmax } from './nnet/log-softmax.js';
import { SoftmaxGrad } from './nnet/softmax-grad.js';
import { SoftmaxCrossentropyWithLabels } from './nnet/softmax-crossentropy.js';
import { SoftmaxCrossentropyGrad } from './nnet/softmax-crossentropy-grad.js';
import { CategoricalCrossentropyWithLabels } from './nnet/categorical-crossentropy.js';
import { CategoricalCrossentropyGrad } from './nnet/categorical-crossentropy-grad.js';
import { AdvancedSubtensor } from './indexing/advanced-subtensor.js';

/**
 * The ops whose kernels elementwise producers are inlined into: reductions over axes (sum, prod,
 * max, min, argmax, argmin), the softmax rows and their gradient, the label-indexed losses and
 * their gradients, and gathers. Every backend runs them on their IR kernels. Products,
 * convolutions and pooling are left out: native runs them through routines (the gemm, im2col,
 * the vectorised pooling paths) that an inlined operand would send back to the IR's per-point
 * kernels, many times slower; an elementwise node after a product is its epilogue instead
 * (linalg/epilogue-rewrite.ts).
 */
export const PRODUCER_FUSION_CONSUMERS: readonly OpClass[] = [
  AxisReduction, ArgExtremum,
  Softmax, LogSoftmax, SoftmaxGrad,
  SoftmaxCrossentropyWithLabels, SoftmaxCrossentropyGrad, CategoricalCrossentropyWithLabels, CategoricalCrossentropyGrad,
  AdvancedSubtensor,
];

/**
 * Elementwise producers inlined into the kernels of the node that alone reads them (core's
 * fuseProducers): one Fused node, the producer's result never stored. Opt-in: each backend lists
 * it in its supportedRewrites once it runs Fused nodes (every backend does, through their kernels).
 * Runs after elementwise fusion made the Composites and product epilogues took the elementwise
 * readers of products.
 */
export const producerFusion: GlobalRewrite = {
  kind: 'global',
  name: 'producer_fusion',
  phase: 'fuse',
  order: 10,
  optIn: true,
  run: (fg) => fuseProducers(fg, PRODUCER_FUSION_CONSUMERS, 'producer_fusion'),
};

registerRewrite(producerFusion);
