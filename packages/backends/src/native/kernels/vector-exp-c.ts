/**
 * A float32 exp that gcc vectorises. libm's expf is a call (math-errno, table lookups), so a loop
 * calling it runs one element at a time, ~3 ns each here: network3's sigmoid layer spent its whole
 * kernel in it. `hyp_vexpf` works in double: x = k ln2 + r with |r| <= ln2 / 2 (k by the
 * round-to-nearest shifter trick), e^r by its degree-10 Taylor polynomial (relative error < 1e-11),
 * 2^k put into the exponent bits, then one rounding to float, which also gives inf on overflow and
 * subnormals or 0 on underflow. Checked against (float)exp((double)x) on 330M float bit patterns
 * (every 13th): 2 differ, by one unit in the last place. NaN stays NaN (it flows through r).
 *
 * Large |x| are clamped (x to [-110, 90], r from below) with bounds offset by `z`, a zero the
 * compiler cannot see (read once per kernel from a volatile): with literal bounds gcc folds the
 * clamped branches to constants, threads jumps through them and no longer vectorises the loop.
 */
export const VECTOR_EXPF_C = `
#ifndef HYP_VEXPF
#define HYP_VEXPF
static volatile double hyp_vexpf_zero = 0;
static inline float hyp_vexpf(double z, float xf) {
  const double x = (double)xf;
  double xc = x < -110.0 ? -110.0 + z : x;
  xc = xc > 90.0 ? 90.0 + z : xc;
  const double shifter = 0x1.8p52;
  const double kd0 = xc * 0x1.71547652b82fep0 + shifter;
  const double kd = kd0 - shifter;
  int64_t ki;
  __builtin_memcpy(&ki, &kd0, sizeof ki);
  ki = (int64_t)(int32_t)(uint32_t)ki;
  double r = (x - kd * 0x1.62e42fefa3800p-1) - kd * 0x1.ef35793c76730p-45;
  r = r < -0.75 ? -0.75 + z : r;
  double p = 1.0 / 3628800;
  p = p * r + 1.0 / 362880;
  p = p * r + 1.0 / 40320;
  p = p * r + 1.0 / 5040;
  p = p * r + 1.0 / 720;
  p = p * r + 1.0 / 120;
  p = p * r + 1.0 / 24;
  p = p * r + 1.0 / 6;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  const uint64_t bits = (uint64_t)(ki + 1023) << 52;
  double s;
  __builtin_memcpy(&s, &bits, sizeof s);
  return (float)(p * s);
}
#endif
`;

/** The C name of the opaque zero that a function using withVectorExp's output must declare. */
export const VEXPF_ZERO = 'hyp_z';

/** `c` (a C expression from scalarToC) with float32 exp calls routed to hyp_vexpf. */
export function withVectorExp(c: string): string {
  return c.replace(/\bexpf\(/g, `hyp_vexpf(${VEXPF_ZERO}, `);
}
