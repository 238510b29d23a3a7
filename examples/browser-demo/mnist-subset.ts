// The MNIST subset the page trains on, as build.ts writes it: u32 nTrain, u32 nValidation, then
// for each split its 784-byte images and 1-byte labels (training first). Bytes, not floats: a
// quarter of the download, and the same pixels as the loader's, which divides by 255 too.
import { NDArray } from '@hypatia/core';
import type { Dataset } from '@hypatia/nn';

export interface MnistSubset {
  training: Dataset;
  validation: Dataset;
}

/** Encodes two splits (pixels in [0, 1], as multiples of 1/255) into the subset file. */
export function encodeSubset(splits: [Dataset, Dataset]): Uint8Array {
  const parts = splits.map((d) => ({
    px: Uint8Array.from(d.x.data, (v) => Math.round(v * 255)),
    labels: Uint8Array.from(d.y.data),
  }));
  const out = new Uint8Array(8 + parts.reduce((s, p) => s + p.px.length + p.labels.length, 0));
  new DataView(out.buffer).setUint32(0, splits[0].y.size, true);
  new DataView(out.buffer).setUint32(4, splits[1].y.size, true);
  let at = 8;
  for (const p of parts) {
    out.set(p.px, at); at += p.px.length;
    out.set(p.labels, at); at += p.labels.length;
  }
  return out;
}

export function decodeSubset(bytes: Uint8Array): MnistSubset {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const counts = [view.getUint32(0, true), view.getUint32(4, true)];
  let at = 8;
  const [training, validation] = counts.map((n) => {
    const px = bytes.subarray(at, at + n * 784);
    at += n * 784;
    const labels = bytes.subarray(at, at + n);
    at += n;
    return {
      x: new NDArray('float32', [n, 784], Float32Array.from(px, (v) => v / 255)),
      y: new NDArray('int32', [n], Int32Array.from(labels)),
    };
  }) as [Dataset, Dataset];
  if (at !== bytes.length) throw new Error(`mnist subset: ${bytes.length} bytes, expected ${at} for ${counts[0]} + ${counts[1]} images`);
  return { training, validation };
}
