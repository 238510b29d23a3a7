// Times every kernel launch of a native executable run on the JS executor (replay off, so each
// launch goes through the addon's run), by wrapping that run: the executable's private fields,
// read on purpose. A developer's profiling aid for bench/profile-step.ts and bench/lstm-profile.ts.

interface NativeInternals { addon?: { run: (k: number, b: unknown, p: unknown) => number }; kernels: { name: string }[]; describe(): string }

export interface KernelTime { ns: number; calls: number; line: string }

export function launchTimer(executable: unknown) {
  const ex = executable as NativeInternals;
  const byKernel = new Map<number, { ns: number; calls: number }>();
  let timing = false;
  if (ex.addon) {
    const run = ex.addon.run.bind(ex.addon);
    ex.addon.run = (k, b, p) => {
      if (!timing) return run(k, b, p);
      const t = process.hrtime.bigint();
      const failed = run(k, b, p);
      const a = byKernel.get(k) ?? { ns: 0, calls: 0 };
      a.ns += Number(process.hrtime.bigint() - t);
      a.calls++;
      byKernel.set(k, a);
      return failed;
    };
  }
  return {
    /** Launches from now on are timed. */
    start(): void {
      timing = true;
    },
    /** Nanoseconds in all timed launches. */
    totalNs: (): number => [...byKernel.values()].reduce((a, b) => a + b.ns, 0),
    /** The `n` kernels that took longest, each with the line of describe() that names it, cut to `width`. */
    slowest(n: number, width: number): KernelTime[] {
      const lines = ex.describe().split('\n');
      return [...byKernel.entries()].sort((a, b) => b[1].ns - a[1].ns).slice(0, n).map(([k, v]) => {
        const name = ex.kernels[k]!.name;
        return { ...v, line: lines.find((l) => l.includes(`${name} `))?.trim().slice(0, width) ?? name };
      });
    },
  };
}
