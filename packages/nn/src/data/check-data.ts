import { HypatiaError, type NDArray, type TypedArray } from '@hypatia/core';
import { isOutputLayer, type Layer } from '../layers/layer.js';
import type { Dataset } from './dataset.js';

/** Raised where data enters a network (training, evaluation, prediction) and does not fit it; nothing has been trained when it is thrown. */
export class NnDataError extends HypatiaError {
  constructor(op: string, detail: string) {
    super(op, detail);
    this.name = 'NnDataError';
  }
}

/** The layer whose inputShape the data must match, looking through layers that keep their input's shape (dropout, batch norm). */
export function firstInputLayer(layers: readonly Layer[]): { layer: Layer; index: number; shape: readonly number[] } | null {
  for (const [index, layer] of layers.entries()) {
    if (layer.inputShape) return { layer, index, shape: layer.inputShape };
    if (!layer.keepsShape) return null;
  }
  return null;
}

/** Number of classes of the output layer, when it declares outputShape [classes]. */
export function classesOf(layers: readonly Layer[]): number | null {
  const last = layers[layers.length - 1];
  return last && isOutputLayer(last) && last.outputShape?.length === 1 ? last.outputShape[0]! : null;
}

/** Each layer must read what the layer before it writes: a mismatch would otherwise reshape the batch into other rows. */
export function checkLayerChain(op: string, layers: readonly Layer[]): void {
  let previous: { index: number; shape: readonly number[] } | null = null;
  for (const [index, layer] of layers.entries()) {
    const wanted = layer.inputShape;
    if (wanted && previous) {
      const exact = wanted.length > 1 && previous.shape.length > 1;
      if (exact ? !sameSqueezed(wanted, previous.shape) : size(wanted) !== size(previous.shape)) {
        throw new NnDataError(op, `${layerName(layers, index)} expects ${exact ? `[${wanted.join(', ')}]` : size(wanted)} values per example `
          + `but ${layerName(layers, previous.index)} gives ${exact ? `[${previous.shape.join(', ')}]` : `${size(previous.shape)} ([${previous.shape.join(', ')}])`}`);
      }
    }
    if (layer.outputShape) previous = { index, shape: layer.outputShape };
    else if (!layer.keepsShape) previous = null;
  }
}

/**
 * Checks a dataset against the network before anything is compiled or trained: x float32 [n, ...]
 * with each example the first layer's input, finite; y int32 [n] with every label in [0, classes).
 * Returns n. `name` says which data it is in the message ('training data', 'validation data', ...).
 */
export function checkDataset(op: string, name: string, d: Dataset, layers: readonly Layer[]): number {
  if (!d || !isNDArray(d.x) || !isNDArray(d.y)) throw new NnDataError(op, `${name}: must be { x: NDArray, y: NDArray }`);
  checkImageArray(op, name, d.x, layers);
  const { x, y } = d;
  if (y.dtype !== 'int32') {
    const bad = firstNonInteger(y.data);
    throw new NnDataError(op, bad !== null
      ? `${name}: label ${y.data[bad]} at row ${bad} is not an integer (labels are class indices)`
      : `${name}: labels must be int32, got ${y.dtype} (convert with y.astype('int32'))`);
  }
  if (y.ndim !== 1 || y.shape[0] !== x.shape[0]) {
    throw new NnDataError(op, `${name}: y must be [n] for x [n, ...] with the same n, got x [${x.shape.join(', ')}] and y [${y.shape.join(', ')}]`);
  }
  const n = y.shape[0]!;
  if (n === 0) throw new NnDataError(op, `${name}: is empty (0 examples)`);
  checkLabels(op, name, y.data, classesOf(layers));
  return n;
}

/** Checks images (x of a dataset, or predict's argument) against the first layer: float32 [n, ...], each example of its input shape, finite. */
export function checkImageArray(op: string, name: string, x: NDArray, layers: readonly Layer[]): void {
  if (!isNDArray(x)) throw new NnDataError(op, `${name}: images must be an NDArray`);
  if (x.dtype !== 'float32') throw new NnDataError(op, `${name}: images must be float32, got ${x.dtype}`);
  if (x.ndim < 2) {
    throw new NnDataError(op, `${name}: images must be [n, values per example] (one row per example), got [${x.shape.join(', ')}]`
      + (x.ndim === 1 ? `; for one example pass [1, ${x.shape[0]}]` : ''));
  }
  const first = firstInputLayer(layers);
  if (first) {
    const example = x.shape.slice(1);
    const wanted = first.shape;
    const where = layerName(layers, first.index);
    if (size(example) !== size(wanted)) {
      throw new NnDataError(op, `${name}: images have ${x.ndim === 2 ? `${example[0]} columns` : `shape [${example.join(', ')}] (${size(example)} values) per example`} `
        + `but ${where} expects ${size(wanted)}${wanted.length > 1 ? ` (${wanted.join('x')})` : ''}`);
    }
    // An example given with its own axes must have the layer's (channels first), not only its size.
    if (example.length > 1 && wanted.length > 1 && !sameSqueezed(example, wanted)) {
      throw new NnDataError(op, `${name}: each image is [${example.join(', ')}] but ${where} expects [${wanted.join(', ')}] (channels, height, width)`);
    }
  }
  checkFinite(op, name, x);
}

/** Negative labels are out of range too: class indices start at 0 (as PyTorch's nll_loss and Keras's sparse losses). */
function checkLabels(op: string, name: string, labels: TypedArray, classes: number | null): void {
  const { min, max } = cached(labelRanges, labels, () => {
    let lo = Infinity; let hi = -Infinity;
    for (let i = 0; i < labels.length; i++) { const v = labels[i]!; if (v < lo) lo = v; if (v > hi) hi = v; }
    return { min: lo, max: hi };
  });
  const limit = classes ?? Infinity;
  if (min >= 0 && max < limit) return;
  let row = 0;
  while (labels[row]! >= 0 && labels[row]! < limit) row++;
  throw new NnDataError(op, classes === null
    ? `${name}: label ${labels[row]} at row ${row} is negative (labels are class indices 0, 1, ...)`
    : `${name}: label ${labels[row]} at row ${row} is outside [0, ${classes}) (the output layer has ${classes} classes)`);
}

/** NaN or Infinity in the images would turn every weight into NaN. */
function checkFinite(op: string, name: string, x: NDArray): void {
  const bad = firstNonFinite(x.data);
  if (bad < 0) return;
  const cols = x.size / x.shape[0]!;
  throw new NnDataError(op, `${name}: image row ${Math.floor(bad / cols)} column ${bad % cols} is ${x.data[bad]}`);
}

/** Index of the first NaN or ±Infinity in `values`, or -1: one pass the first time an array is seen. */
export function firstNonFinite(values: TypedArray): number {
  return cached(nonFiniteScans, values, () => {
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return i;
    return -1;
  });
}

// Keyed by the typed array, so a dataset reused across epochs and calls (or reshaped) is scanned once;
// an array changed in place after its first check is not scanned again.
const nonFiniteScans = new WeakMap<TypedArray, number>();
const labelRanges = new WeakMap<TypedArray, { min: number; max: number }>();

function cached<V>(cache: WeakMap<TypedArray, V>, key: TypedArray, compute: () => V): V {
  let v = cache.get(key);
  if (v === undefined) { v = compute(); cache.set(key, v); }
  return v;
}

/** Duck-typed, so that arrays from another copy of @hypatia/core pass too. */
function isNDArray(v: unknown): v is NDArray {
  return typeof v === 'object' && v !== null && typeof (v as NDArray).dtype === 'string' && Array.isArray((v as NDArray).shape) && ArrayBuffer.isView((v as NDArray).data);
}

export function firstNonInteger(v: TypedArray): number | null {
  for (let i = 0; i < v.length; i++) if (!Number.isInteger(v[i])) return i;
  return null;
}

function layerName(layers: readonly Layer[], index: number): string {
  const layer = layers[index]!;
  const shape = layer.inputShape;
  const options = 'nIn' in layer ? `nIn ${layer.nIn}`
    : 'features' in layer ? `features ${layer.features}`
    : shape && shape.length > 1 ? `image [${shape.join(', ')}]`
    : shape ? `input ${shape[0]}` : '';
  const what = `${layer.constructor.name}${options ? ` ${options}` : ''}`;
  return index === 0 ? `the first layer (${what})` : `layers[${index}] (${what})`;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Equal once axes of length 1 are dropped: [1, 28, 28] and [28, 28] describe the same image. */
function sameSqueezed(a: readonly number[], b: readonly number[]): boolean {
  const sa = a.filter((d) => d !== 1); const sb = b.filter((d) => d !== 1);
  return sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}
