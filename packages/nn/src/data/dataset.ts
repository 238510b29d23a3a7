import { NDArray } from '@hypatia/core';
import { IdxError, type IdxArray } from './idx.js';

/** Images as rows of float32 pixels in [0, 1] and their labels as int32. */
export interface Dataset {
  /** [n, height * width] */
  x: NDArray;
  /** [n] */
  y: NDArray;
}

/** Images of shape [n, h, w] and labels [n] into a Dataset; `files` name the sources in errors. */
export function datasetFromIdx(images: IdxArray, labels: IdxArray, files: { images: string; labels: string }): Dataset {
  if (images.shape.length !== 3) throw new IdxError(files.images, `expected 3 dimensions (count, rows, columns), got [${images.shape.join(', ')}]`);
  if (labels.shape.length !== 1) throw new IdxError(files.labels, `expected 1 dimension (count), got [${labels.shape.join(', ')}]`);
  const [n, h, w] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) {
    throw new IdxError(files.labels, `count mismatch: ${labels.shape[0]} labels for ${n} images in ${files.images}`);
  }
  const pixels = new Float32Array(n * h * w);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! / 255;
  return { x: new NDArray('float32', [n, h * w], pixels), y: new NDArray('int32', [n], Int32Array.from(labels.data)) };
}

/** Rows [start, end) of a dataset (copies). */
export function sliceDataset(d: Dataset, start: number, end: number): Dataset {
  const n = d.y.size;
  const s = Math.max(0, Math.min(start, n));
  const e = Math.max(s, Math.min(end, n));
  const cols = d.x.shape[1]!;
  return {
    x: new NDArray('float32', [e - s, cols], d.x.data.slice(s * cols, e * cols)),
    y: new NDArray('int32', [e - s], d.y.data.slice(s, e)),
  };
}

/** The number of examples in `d`. */
export function datasetSize(d: Dataset): number {
  return d.y.size;
}
