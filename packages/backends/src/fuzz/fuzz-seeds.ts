/**
 * The seeds every CI run checks (`pnpm fuzz --seconds N` runs further ones). Seeds 7, 9, 32 and
 * 39 make a native replayed plan read another parameter's same-sized gradient in an in-place
 * update moved to the end of the step, if a slot ever names a buffer instead of a value. Seed 4
 * increments one element of a vector: a C kernel of one point that ran its point twice added twice.
 */
export const CI_SEEDS: readonly number[] = Array.from({ length: 40 }, (_, s) => s);

/**
 * The loop programs (family `scan`) every CI run checks, chosen to cover between them an early
 * stop whose step changes from call to call, goBackwards, a two-tap state, a random stream inside,
 * fewer steps than the sequence holds, a sequence a step longer in one call, only the last state
 * read and the gradient through the loop, full and truncated. WebGPU runs the float32 ones without
 * an early stop under the gradient (14 and 27).
 */
export const CI_SCAN_SEEDS: readonly number[] = [2, 14, 21, 27, 35];
