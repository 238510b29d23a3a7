import { describe, expect, it } from 'vitest';
import { NDArray } from '@hypatia/core';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';

describe('safetensors', () => {
  const w = NDArray.from([[1.5, -2], [3, 4.25]], 'float32');
  const y = NDArray.from([7, -1, 2], 'int32');

  it('writes the documented layout and reads it back', () => {
    const bytes = encodeSafetensors({ w, y }, { note: 'hi' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.w).toEqual({ dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] });
    expect(header.y).toEqual({ dtype: 'I32', shape: [3], data_offsets: [16, 28] });
    expect(header.__metadata__).toEqual({ note: 'hi' });
    expect(new DataView(bytes.buffer).getFloat32(8 + n + 4, true)).toBe(-2);
    const back = decodeSafetensors(bytes);
    expect(back.tensors.get('w')!.toArray()).toEqual(w.toArray());
    expect(back.tensors.get('y')!.dtype).toBe('int32');
    expect(Array.from(back.tensors.get('y')!.data)).toEqual([7, -1, 2]);
    expect(back.metadata).toEqual({ note: 'hi' });
  });

  it('rejects truncated and corrupt files clearly', () => {
    const bytes = encodeSafetensors({ w, y });
    expect(() => decodeSafetensors(bytes.subarray(0, 5))).toThrow(/truncated: 5 bytes/);
    expect(() => decodeSafetensors(bytes.subarray(0, 20))).toThrow(/truncated: the header needs/);
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated: tensor 'y' ends at byte 28/);
    const extra = new Uint8Array(bytes.length + 4);
    extra.set(bytes);
    expect(() => decodeSafetensors(extra)).toThrow(/4 bytes after the last tensor/);
    const garbage = bytes.slice();
    garbage[9] = 0x7b; garbage[10] = 0x7b; // '{{' breaks the JSON
    expect(() => decodeSafetensors(garbage)).toThrow(/header is not valid JSON/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => decodeSafetensors(huge)).toThrow(/implausible/);
  });
});
