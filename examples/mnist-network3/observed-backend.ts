import { resolveBackend, type Backend } from '@hypatia/core';

/**
 * The backend registered as `name`, noting which backend really runs each function compiled
 * through it (`fn.backend`): 'cpu' without a working C compiler hands its graphs to 'wasm',
 * and results are named after what ran.
 */
export async function observedBackend(name: string): Promise<{ backend: Backend; ran: () => string }> {
  const inner = await resolveBackend(name);
  const seen = new Set<string>();
  const backend: Backend = {
    name: inner.name,
    supportedRewrites: inner.supportedRewrites,
    optionNames: inner.optionNames,
    async lower(spec) {
      const exe = await inner.lower(spec);
      seen.add(exe.backend ?? inner.name);
      return exe;
    },
  };
  return { backend, ran: () => (seen.size ? [...seen].join('+') : name) };
}
