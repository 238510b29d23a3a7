import type { Kernel } from '@hypatia/core';

/**
 * How a launch's arguments lie in linear memory, where a printed kernel reads them from: the
 * integer parameters as i64 (8-byte aligned, so a record must start at a multiple of 8), then each
 * buffer's byte address as i32. A kernel function takes the record's address and returns 1 when a
 * check failed. Records in memory (rather than call arguments) are what a recorded plan can hold
 * and replay without JavaScript building each call.
 */
export function paramOffset(p: number): number {
  return 8 * p;
}

export function bufferOffset(k: Pick<Kernel, 'nParams'>, b: number): number {
  return 8 * k.nParams + 4 * b;
}

export function launchRecordBytes(k: Pick<Kernel, 'nParams' | 'buffers'>): number {
  return bufferOffset(k, k.buffers.length);
}

/** Writes a launch's record at byte address `at` of `memory`. */
export function writeLaunchRecord(memory: ArrayBufferLike, at: number, k: Pick<Kernel, 'nParams' | 'buffers'>, params: readonly number[], addresses: readonly number[]): void {
  if (params.length !== k.nParams) throw new Error(`a launch passes ${params.length} parameters to a kernel that takes ${k.nParams}`);
  if (addresses.length !== k.buffers.length) throw new Error(`a launch binds ${addresses.length} buffers to a kernel that declares ${k.buffers.length}`);
  const view = new DataView(memory, at, launchRecordBytes(k));
  params.forEach((p, i) => {
    if (!Number.isSafeInteger(p)) throw new Error(`launch parameter ${i} is ${p}, not an integer`);
    view.setBigInt64(paramOffset(i), BigInt(p), true);
  });
  addresses.forEach((a, b) => view.setUint32(bufferOffset(k, b), a, true));
}
