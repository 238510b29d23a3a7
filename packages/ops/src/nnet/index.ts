// Neural-network ops and the rewrites that keep their compositions numerically stable.
export * from './softmax.js';
export * from './softmax-grad.js';
export * from './log-softmax.js';
