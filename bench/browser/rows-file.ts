// The training rows as bench/browser.ts hands them to the page, exactly the Node benchmark's:
// u32 nTrain, then nTrain x 784 float32 pixels and nTrain int32 labels, little-endian.
import type { BenchData } from '../lib/workloads.js';

export function encodeRows(d: BenchData): Uint8Array {
  const out = new Uint8Array(4 + d.nTrain * 784 * 4 + d.nTrain * 4);
  new DataView(out.buffer).setUint32(0, d.nTrain, true);
  out.set(new Uint8Array(d.trainX.buffer, d.trainX.byteOffset, d.nTrain * 784 * 4), 4);
  out.set(new Uint8Array(d.trainY.buffer, d.trainY.byteOffset, d.nTrain * 4), 4 + d.nTrain * 784 * 4);
  return out;
}

/** The rows as BenchData; no validation rows (the browser benchmark only trains). */
export function decodeRows(bytes: ArrayBuffer): BenchData {
  const n = new DataView(bytes).getUint32(0, true);
  if (bytes.byteLength !== 4 + n * 785 * 4) throw new Error(`bench rows: ${bytes.byteLength} bytes, expected ${4 + n * 785 * 4} for ${n} rows`);
  return {
    trainX: new Float32Array(bytes.slice(4, 4 + n * 784 * 4)),
    trainY: new Int32Array(bytes.slice(4 + n * 784 * 4)),
    validX: new Float32Array(0), validY: new Int32Array(0), nTrain: n, nValid: 0,
  };
}
