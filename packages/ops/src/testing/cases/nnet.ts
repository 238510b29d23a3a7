import type { OpCase } from '../op-case.js';

/** The nnet family's entries in the shared op table. */
export const nnetCases: OpCase[] = [];
