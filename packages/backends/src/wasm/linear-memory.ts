import { typedArrayFor, type DType, type TypedArray } from '@hypatia/core';
import { BlockAllocator } from './block-allocator.js';
import type { MemoryImport } from './wasm-encoder.js';

const PAGE = 65536;
/** 4 GiB, all a 32-bit memory can address: a shared memory must declare its maximum. */
const MAX_PAGES = 65536;

export const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

const VIEW: Record<DType, new (b: ArrayBufferLike, at: number, n: number) => TypedArray> = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, bool: Uint8Array,
};

/** Whether this engine can make a shared WebAssembly memory (Node; a cross-origin isolated page). */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const g = globalThis as { crossOriginIsolated?: boolean; process?: { versions?: { node?: string } } };
  if (g.process?.versions?.node) return true;
  return g.crossOriginIsolated === true;
}

/**
 * The one linear memory every compiled function of the wasm backend works in, so a shared
 * variable's value written by one function is read where it lies by the next. Blocks are handed
 * out by a BlockAllocator. The memory is shared (a SharedArrayBuffer) where the engine allows it,
 * so worker threads can run kernels on it and views of it survive growth; otherwise growing
 * detaches the old buffer, so views are always taken afresh from `buffer`.
 */
export class LinearMemory {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  readonly allocator: BlockAllocator;

  constructor(opts: { shared: boolean }) {
    this.shared = opts.shared;
    this.memory = opts.shared
      ? new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES });
    this.allocator = new BlockAllocator(PAGE / 4, (end) => this.ensure(end));
  }

  /** How modules of this memory declare their import of it. */
  get importDecl(): MemoryImport {
    return { module: 'env', name: 'memory', minPages: 1, maxPages: MAX_PAGES, ...(this.shared ? { shared: true } : {}) };
  }

  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
  }

  alloc(bytes: number): number {
    return this.allocator.alloc(bytes);
  }

  free(at: number): void {
    this.allocator.release(at);
  }

  get buffer(): ArrayBufferLike {
    return this.memory.buffer;
  }

  /** A view of n elements at `at` (valid until the memory next grows, unless it is shared). */
  view(dtype: DType, at: number, n: number): TypedArray {
    return new VIEW[dtype](this.memory.buffer, at, n);
  }

  /** Copies a host array's bytes to `at`. */
  write(at: number, data: TypedArray): void {
    new Uint8Array(this.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }

  /** A host copy of n elements at `at`. */
  read(dtype: DType, at: number, n: number): TypedArray {
    const out = typedArrayFor(dtype, n);
    new Uint8Array(out.buffer).set(new Uint8Array(this.memory.buffer, at, n * BYTES[dtype]));
    return out;
  }

  /** Copies `bytes` bytes from one address to another (the ranges may overlap). */
  copy(to: number, from: number, bytes: number): void {
    new Uint8Array(this.memory.buffer).copyWithin(to, from, from + bytes);
  }
}

let theMemory: LinearMemory | null = null;

/** The process's linear memory for the wasm backend, made on first use. */
export function linearMemory(): LinearMemory {
  theMemory ??= new LinearMemory({ shared: sharedMemoryAvailable() });
  return theMemory;
}
