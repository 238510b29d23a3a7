export * from './factory.js';
export * from './arithmetic.js';
export { broadcastLike, sumToShape, castTo, secondOp } from './broadcast.js';
