import type { OpCase } from '../op-case.js';

/** The reduce family's entries in the shared op table. */
export const reduceCases: OpCase[] = [];
