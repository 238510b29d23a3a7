/**
 * The seeds every CI run checks (`pnpm fuzz --seconds N` runs further ones). Seeds 7, 9, 32 and
 * 39 make a native replayed plan read another parameter's same-sized gradient in an in-place
 * update moved to the end of the step, if a slot ever names a buffer instead of a value. Seed 4
 * increments one element of a vector: a C kernel of one point that ran its point twice added twice.
 */
export const CI_SEEDS: readonly number[] = Array.from({ length: 40 }, (_, s) => s);
