import type { KernelSource } from './addon-source.js';

/** Kernels of one source, deduplicated: equal formulas on equal dtypes share one C function. */
export class KernelTable {
  readonly list: KernelSource[] = [];
  private readonly byKey = new Map<string, number>();
  get(key: string, make: (name: string) => string): number {
    let k = this.byKey.get(key);
    if (k === undefined) {
      k = this.list.length;
      const name = `hyp_k${k}`;
      this.list.push({ name, code: make(name) });
      this.byKey.set(key, k);
    }
    return k;
  }
}
