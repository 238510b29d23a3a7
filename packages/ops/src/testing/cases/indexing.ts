import type { OpCase } from '../op-case.js';

/** The indexing family's entries in the shared op table. */
export const indexingCases: OpCase[] = [];
