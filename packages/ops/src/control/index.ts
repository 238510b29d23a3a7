// Control flow: loops (scan) and their gradients, conditionals (ifelse), jacobian and hessian built on loops.
// The Scan and IfElse op classes, with the loop's schedule, are in @hypatia/ops/backend: what a backend needs to run them.
export { scan, type ScanSpec, type SequenceSpec, type OutputSpec, type StepResult, type ScanUpdates } from './scan.js';
export type { ScanInfo, ScanOutputInfo } from './scan-info.js';
export { ifelse } from './ifelse.js';
export { jacobian, hessian } from './jacobian.js';
// Registers the rewrites of loops and conditionals (merging a loop with its gradient's twin, hoisting, pushing sums of products out, keeping only what is read, laziness) with the pipeline.
export { scanHoist, scanSaveMemory } from './scan-rewrites.js';
export { scanPushoutDot } from './scan-pushout.js';
export { scanMergeTwins } from './scan-merge.js';
export { ifelseLazy } from './ifelse-rewrites.js';
