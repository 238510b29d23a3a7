import type { Executable } from '@hypatia/core';

/**
 * Another backend's executable, saying which backend runs it: a backend that hands a graph to
 * another ('cpu') returns this, and the compiled function reports it as `fn.backend`.
 */
export function ranBy(backend: string, exe: Executable): Executable {
  return {
    backend,
    run: (args, opts) => exe.run(args, opts),
    describe: () => exe.describe(),
    get kernelCount() {
      return exe.kernelCount;
    },
    get hostOps() {
      return exe.hostOps;
    },
  };
}
