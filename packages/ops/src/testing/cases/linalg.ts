import type { OpCase } from '../op-case.js';

/** The linalg family's entries in the shared op table. */
export const linalgCases: OpCase[] = [];
