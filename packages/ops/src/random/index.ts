// Random streams: a counter-based generator (Philox4x32-10) so every backend draws the same numbers.
export { RandomOp, MAX_BINOMIAL_N, type Distribution } from './random-op.js';
export {
  RandomStreams, initialRandomState,
  type SizeLike, type UniformOptions, type NormalOptions, type BinomialOptions,
} from './streams.js';
