// Running folds along an axis: cumsum and cumprod.
export * from './cumulative.js';
