// Formulas in math notation (parsed by mathjs) as graph, and elementwise ops defined by a formula alone.
export { formula, parseFormula } from './formula.js';
export { FormulaError } from './interpret.js';
export { FUNCTIONS, OPERATORS, CONSTANTS, type FormulaFn } from './vocabulary.js';
export { differentiate, derivativeOf, inlineDerivation, type Derivation } from './derivative.js';
export { defineElementwise, type ElementwiseFormulaDef } from './define-elementwise.js';
