// The kernel IR: what ops lower to once and what every backend prints.
export type { Access, BufferDecl, Expr, Idx, IdxOp, Kernel, Range, ReduceOp, Stmt } from './ir.js';
export { Buf, E, I, KernelBuilder, foldIdx, fromFormula, type IdxLike, type ReduceOptions } from './builder.js';
export type { BufferRef, KernelProgram, Launch, LaunchPlan, PlanOperand } from './program.js';
export { freeVars, linearize, type LExpr, type LIdx, type LStmt, type LinearizeOptions, type LoopProgram } from './loops.js';
export { exprKey, idxKey, kernelKey } from './key.js';
export { compileKernelJS, kernelToJS, type JsKernel } from './js-printer.js';
export { runProgramJS } from './run-js.js';
export { OpTable } from './op-table.js';
export { collapseAxes } from './collapse.js';
export { elementwiseProgram } from './elementwise-program.js';
export { inlineProducers } from './inline.js';
export { reductionProgram, type ReductionFold, type ReductionSpec } from './reduction-program.js';
export { linearIn, mentions } from './affine.js';
