import type { KernelSource } from './addon-source.js';

/** Kernels of one source, deduplicated: equal kernels (same formula or IR, same dtypes) share one C function. */
export class KernelTable {
  readonly list: KernelSource[] = [];
  private readonly byKey = new Map<string, number>();
  /** `checked`: the C function returns whether a run-time check failed (printed IR kernels). */
  get(key: string, make: (name: string) => string, opts: { checked?: boolean } = {}): number {
    let k = this.byKey.get(key);
    if (k === undefined) {
      k = this.list.length;
      const name = `hyp_k${k}`;
      this.list.push({ name, code: make(name), ...(opts.checked ? { checked: true } : {}) });
      this.byKey.set(key, k);
    }
    return k;
  }
}
