// Sorting: a stable argsort op (a rank-counting kernel), and sort / topk as gathers along it.
export { ArgSort } from './argsort.js';
export * from './sort.js';
