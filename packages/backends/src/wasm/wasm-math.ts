import { JS_HELPERS, type ScalarFn } from '@hypatia/core';
import type { FunctionImport } from './wasm-encoder.js';

/**
 * The primitives WebAssembly has no instruction for, imported from JavaScript: the functions the
 * JavaScript printer calls (Math.* and its erf), so a float64 result is the JS printer's bit for
 * bit; a float32 one is that double rounded to float32, as Math.fround would. Every module imports
 * all of them, in this order, so their function indices are fixed.
 */
export const MATH_IMPORTS = ['exp', 'log', 'log1p', 'expm1', 'tanh', 'sin', 'cos', 'erf', 'pow'] as const satisfies readonly ScalarFn[];
export type MathImport = (typeof MATH_IMPORTS)[number];

export const MATH_MODULE = 'math';

export function mathImportIndex(f: MathImport): number {
  return MATH_IMPORTS.indexOf(f);
}

export function isMathImport(f: ScalarFn): f is MathImport {
  return (MATH_IMPORTS as readonly ScalarFn[]).includes(f);
}

export const MATH_IMPORT_DECLS: readonly FunctionImport[] = MATH_IMPORTS.map((name) => ({
  module: MATH_MODULE,
  name,
  type: { params: name === 'pow' ? ['f64', 'f64'] : ['f64'], results: ['f64'] },
}));

const jsErf = new Function(`${JS_HELPERS}\nreturn erf;`)() as (x: number) => number;

/** The JavaScript side of the imports, for WebAssembly.Instance's import object. */
export const MATH_FUNCTIONS: Record<MathImport, (...xs: number[]) => number> = {
  exp: Math.exp, log: Math.log, log1p: Math.log1p, expm1: Math.expm1, tanh: Math.tanh, sin: Math.sin, cos: Math.cos,
  erf: jsErf, pow: Math.pow,
};
