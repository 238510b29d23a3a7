import { typedArrayFor, type DType, type TypedArray } from '@hypatia/core';

const PAGE = 65536;
/** Every allocation starts at a multiple of 16 bytes: aligned for any element and for SIMD lanes. */
const ALIGN = 16;
/** Address 0 stays unused, so no buffer's address is 0. */
const START = ALIGN;

const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };

/**
 * One linear memory and a bump allocator over it: a run allocates its buffers and launch records
 * one after another and frees them all at once (`reset`). The memory grows as needed; views of it
 * are made afresh after every allocation, since growing detaches the old ArrayBuffer.
 */
export class WasmHeap {
  readonly memory = new WebAssembly.Memory({ initial: 1 });
  private top = START;

  reset(): void {
    this.top = START;
  }

  /** `bytes` bytes (each set to `fill` when given) at a new 16-byte-aligned address. */
  alloc(bytes: number, fill?: number): number {
    const at = this.top;
    const end = at + Math.ceil(bytes / ALIGN) * ALIGN;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    if (fill !== undefined) new Uint8Array(this.memory.buffer, at, bytes).fill(fill);
    this.top = end;
    return at;
  }

  /**
   * An array of n elements of a dtype filled with garbage (0xff bytes: NaN in floats, -1 in int32),
   * as a backend's recycled buffers hold: a kernel must write every element it hands out.
   */
  allocArray(dtype: DType, n: number): number {
    return this.alloc(n * BYTES[dtype], 0xff);
  }

  /** Copies a host array in; returns its address. */
  copyIn(data: TypedArray): number {
    const at = this.alloc(data.byteLength);
    new Uint8Array(this.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return at;
  }

  /** A host copy of n elements of a dtype at `at`. */
  copyOut(dtype: DType, at: number, n: number): TypedArray {
    const out = typedArrayFor(dtype, n);
    new Uint8Array(out.buffer).set(new Uint8Array(this.memory.buffer, at, n * BYTES[dtype]));
    return out;
  }
}
