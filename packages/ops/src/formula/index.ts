// Formulas in math notation (parsed by mathjs) as graph, and elementwise ops defined by a formula alone.
export { formula, parseFormula } from './formula.js';
export { FormulaError } from './interpret.js';
export { FUNCTIONS as FORMULA_FUNCTIONS, OPERATORS as FORMULA_OPERATORS, CONSTANTS as FORMULA_CONSTANTS, type FormulaFn } from './vocabulary.js';
export { differentiate as differentiateFormula, derivativeOf, inlineDerivation, type Derivation as FormulaDerivation } from './derivative.js';
export { defineElementwise, type ElementwiseFormulaDef } from './define-elementwise.js';
