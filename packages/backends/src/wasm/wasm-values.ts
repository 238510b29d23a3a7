import { NDArray, shapeSize, type DType, type DeviceValue, type SharedVariable } from '@hypatia/core';
import { BYTES, type LinearMemory } from './linear-memory.js';

/**
 * A shared variable's value kept in the wasm backend's linear memory between calls, so a training
 * loop copies no weights in or out. `readSync` gives a host copy (the variable keeps it as its host
 * value until it changes again); `release` frees the block when the variable takes another value.
 * `backend` is the name the function was compiled for ('wasm', or 'cpu' when that chose WebAssembly),
 * so compile() does not read the value back before each call of such a function.
 */
export class WasmValue implements DeviceValue {
  private freed = false;
  constructor(
    readonly backend: string,
    readonly dtype: DType,
    readonly shape: readonly number[],
    readonly at: number,
    readonly memory: LinearMemory,
  ) {}

  readSync(): NDArray {
    if (this.freed) throw new Error('wasm: a released value was read');
    return new NDArray(this.dtype, [...this.shape], this.memory.read(this.dtype, this.at, shapeSize(this.shape)));
  }

  read(): Promise<NDArray> {
    return Promise.resolve(this.readSync());
  }

  release(): void {
    if (this.freed) return;
    this.freed = true;
    this.memory.free(this.at);
  }
}

interface Upload { version: number; at: number }

/** Host values of shared variables copied into linear memory, by the variable's version. */
const uploads = new WeakMap<SharedVariable, Upload>();
/** A variable dropped by its program frees its uploaded copy. */
const uploadsDropped = new FinalizationRegistry<{ memory: LinearMemory; at: number }>(({ memory, at }) => memory.free(at));

/** The variable's value as this memory holds it: its own block (a WasmValue here), or a copy of its host value made once per version. */
export function sharedAddress(sv: SharedVariable, memory: LinearMemory): { at: number; shape: readonly number[]; own: WasmValue | null } {
  const dv = sv.deviceValue;
  if (dv instanceof WasmValue && dv.memory === memory) {
    dropUpload(sv, memory);
    return { at: dv.at, shape: dv.shape, own: dv };
  }
  const cached = uploads.get(sv);
  if (cached && cached.version === sv.version) return { at: cached.at, shape: sv.valueShape, own: null };
  dropUpload(sv, memory);
  const value = sv.get({ borrow: true });
  const at = memory.alloc(value.data.byteLength);
  memory.write(at, value.data);
  uploads.set(sv, { version: sv.version, at });
  uploadsDropped.register(sv, { memory, at }, sv);
  return { at, shape: value.shape, own: null };
}

function dropUpload(sv: SharedVariable, memory: LinearMemory): void {
  const u = uploads.get(sv);
  if (!u) return;
  uploads.delete(sv);
  uploadsDropped.unregister(sv);
  memory.free(u.at);
}

/** The shape of a shared variable's current value, without reading a device value back. */
export function sharedShape(sv: SharedVariable): readonly number[] {
  return sv.valueShape;
}

export function byteLength(dtype: DType, shape: readonly number[]): number {
  return shapeSize(shape) * BYTES[dtype];
}
