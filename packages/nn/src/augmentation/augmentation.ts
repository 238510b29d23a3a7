import { NDArray } from '@hypatia/core';
import type { Dataset } from '../data/dataset.js';
import { Rng } from '../init/rng.js';

/**
 * Nielsen 3.2 (artificially expanding the training data): small transformations that leave the label
 * unchanged, such as shifting by a pixel or rotating by a few degrees, add examples of the variation
 * the network should ignore; the book reports this as a cheap, effective regulariser on MNIST.
 */

function imageSide(d: Dataset, side?: number): number {
  const cols = d.x.size / d.y.size;
  const s = side ?? Math.round(Math.sqrt(cols));
  if (s * s !== cols) throw new RangeError(`augmentation: rows of ${cols} pixels are not square images; pass the side`);
  return s;
}

/** Shift one square image by (dx, dy) pixels, filling with 0. */
export function shiftImage(src: ArrayLike<number>, side: number, dx: number, dy: number): Float32Array {
  const out = new Float32Array(side * side);
  for (let r = 0; r < side; r++) {
    const sr = r - dy;
    if (sr < 0 || sr >= side) continue;
    for (let c = 0; c < side; c++) {
      const sc = c - dx;
      if (sc >= 0 && sc < side) out[r * side + c] = src[sr * side + sc]!;
    }
  }
  return out;
}

/** Rotate one square image by `degrees` about its centre, with bilinear interpolation and 0 outside. */
export function rotateImage(src: ArrayLike<number>, side: number, degrees: number): Float32Array {
  const out = new Float32Array(side * side);
  const t = (degrees * Math.PI) / 180; const cos = Math.cos(t); const sin = Math.sin(t);
  const mid = (side - 1) / 2;
  const at = (r: number, c: number) => (r >= 0 && r < side && c >= 0 && c < side ? src[r * side + c]! : 0);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      // The source point that lands on (r, c): rotate back by -t.
      const y = r - mid; const x = c - mid;
      const sx = cos * x + sin * y + mid; const sy = -sin * x + cos * y + mid;
      const r0 = Math.floor(sy); const c0 = Math.floor(sx); const fr = sy - r0; const fc = sx - c0;
      out[r * side + c] = (1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c0 + 1)) + fr * ((1 - fc) * at(r0 + 1, c0) + fc * at(r0 + 1, c0 + 1));
    }
  }
  return out;
}

/**
 * Options of `augmentDataset`: one-pixel shifts, random rotations (how many, up to what angle), the image side and the seed.
 */
export interface AugmentOptions {
  /** Also add one-pixel shifts up, down, left and right of every image (Nielsen's expansion, 5x the data). */
  shifts?: boolean;
  /** Also add `rotations` copies, each rotated by a random angle within +-maxDegrees. */
  rotations?: number;
  maxDegrees?: number;
  side?: number;
  seed?: number;
}

/** The dataset followed by its transformed copies (labels repeated). */
export function augmentDataset(d: Dataset, options: AugmentOptions = {}): Dataset {
  const side = imageSide(d, options.side);
  const n = d.y.size; const px = side * side;
  const rng = new Rng(options.seed ?? 0);
  const maxDeg = options.maxDegrees ?? 10;
  const transforms: ((img: Float32Array) => Float32Array)[] = [];
  if (options.shifts ?? true) for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) transforms.push((img) => shiftImage(img, side, dx, dy));
  for (let k = 0; k < (options.rotations ?? 0); k++) transforms.push((img) => rotateImage(img, side, (2 * rng.uniform() - 1) * maxDeg));
  const total = n * (1 + transforms.length);
  const x = new Float32Array(total * px); const y = new Int32Array(total);
  x.set(d.x.data.subarray(0, n * px)); y.set(d.y.data.subarray(0, n));
  transforms.forEach((tf, k) => {
    for (let i = 0; i < n; i++) {
      const at = (k + 1) * n + i;
      x.set(tf(d.x.data.subarray(i * px, (i + 1) * px) as Float32Array), at * px);
      y[at] = d.y.data[i]!;
    }
  });
  return { x: new NDArray('float32', [total, px], x), y: new NDArray('int32', [total], y) };
}
