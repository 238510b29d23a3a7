// Ops that hold graphs of their own (loops, conditionals): the inner graph, closing a user's function
// over its free variables, and the rule that runs the pipeline on inner graphs (registered on import).
export * from './inner-graph.js';
export * from './inner-rewrite.js';
