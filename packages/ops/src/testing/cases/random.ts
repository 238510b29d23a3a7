import type { OpCase } from '../op-case.js';

/** The random family's entries in the shared op table. */
export const randomCases: OpCase[] = [];
