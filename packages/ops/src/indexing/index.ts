export * from './advanced-subtensor.js';
export * from './advanced-inc-subtensor.js';
