import type { OpCase } from '../op-case.js';

/** The shape family's entries in the shared op table. */
export const shapeCases: OpCase[] = [];
