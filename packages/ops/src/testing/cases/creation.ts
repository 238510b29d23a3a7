import type { OpCase } from '../op-case.js';

/** The creation family's entries in the shared op table. */
export const creationCases: OpCase[] = [];
