import { NDArray, type DType } from '@hypatia/core';

/**
 * The safetensors format, written by hand: an 8-byte little-endian header length N, N bytes of JSON
 * ({name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}), then the
 * raw little-endian tensor bytes, offsets counted from the end of the header.
 */
const TO_ST: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
const FROM_ST: Record<string, DType> = { F32: 'float32', F64: 'float64', I32: 'int32', BOOL: 'bool' };
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int32: 4, bool: 1 };
/** Headers larger than this are refused rather than parsed (the reference implementation's limit). */
const MAX_HEADER = 100_000_000;

/** Raised for bytes that are not a well-formed safetensors file; says what is wrong. */
export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

/**
 * Tensors (and string metadata) in the safetensors format: a JSON header, then each tensor's little-endian bytes.
 */
export function encodeSafetensors(tensors: ReadonlyMap<string, NDArray> | Record<string, NDArray>, metadata: Record<string, string> = {}): Uint8Array {
  const entries: [string, NDArray][] = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const n = t.size * BYTES[t.dtype];
    header[name] = { dtype: TO_ST[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const [, t] of entries) {
    at += writeLittleEndian(t, out, at);
  }
  return out;
}

/** The tensors and metadata of safetensors bytes; malformed input raises SafetensorsError. */
export function decodeSafetensors(bytes: Uint8Array): { tensors: Map<string, NDArray>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new SafetensorsError(`truncated: ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) throw new SafetensorsError(`header length ${n} is implausible (not a safetensors file?)`);
  const headerLength = Number(n);
  if (8 + headerLength > bytes.length) throw new SafetensorsError(`truncated: the header needs ${headerLength} bytes but only ${bytes.length - 8} follow the length`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (e) {
    throw new SafetensorsError(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw new SafetensorsError('the header is not a JSON object');
  const data = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, NDArray>();
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') { metadata = info as Record<string, string>; continue; }
    const { dtype: st, shape, data_offsets: offs } = (info ?? {}) as { dtype?: string; shape?: number[]; data_offsets?: number[] };
    const dtype = st !== undefined ? FROM_ST[st] : undefined;
    if (!dtype) throw new SafetensorsError(`tensor '${name}': unsupported dtype ${JSON.stringify(st)} (supported: ${Object.keys(FROM_ST).join(', ')})`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsError(`tensor '${name}': bad shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isInteger(o) && o >= 0) || offs[0]! > offs[1]!) {
      throw new SafetensorsError(`tensor '${name}': bad data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    const size = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== size * BYTES[dtype]) {
      throw new SafetensorsError(`tensor '${name}': ${dtype}[${shape.join(', ')}] needs ${size * BYTES[dtype]} bytes but data_offsets span ${end - begin}`);
    }
    if (end > data.length) throw new SafetensorsError(`truncated: tensor '${name}' ends at byte ${end} of the data but the file holds only ${data.length}`);
    spans.push([begin, end, name]);
    tensors.set(name, readLittleEndian(dtype, shape, data.subarray(begin, end)));
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let k = 1; k < spans.length; k++) {
    if (spans[k]![0] < spans[k - 1]![1]) throw new SafetensorsError(`tensors '${spans[k - 1]![2]}' and '${spans[k]![2]}' overlap`);
  }
  const covered = spans.length ? spans[spans.length - 1]![1] : 0;
  if (covered !== data.length) throw new SafetensorsError(`${data.length - covered} bytes after the last tensor (a corrupt or mismatched file?)`);
  return { tensors, metadata };
}

function byteLength(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Writes through a DataView so the file is little-endian whatever the host is. */
function writeLittleEndian(t: NDArray, out: Uint8Array, at: number): number {
  const view = new DataView(out.buffer, out.byteOffset + at);
  const d = t.data;
  switch (t.dtype) {
    case 'float32': for (let i = 0; i < d.length; i++) view.setFloat32(4 * i, d[i]!, true); return 4 * d.length;
    case 'float64': for (let i = 0; i < d.length; i++) view.setFloat64(8 * i, d[i]!, true); return 8 * d.length;
    case 'int32': for (let i = 0; i < d.length; i++) view.setInt32(4 * i, d[i]!, true); return 4 * d.length;
    case 'bool': for (let i = 0; i < d.length; i++) view.setUint8(i, d[i] ? 1 : 0); return d.length;
  }
}

function readLittleEndian(dtype: DType, shape: number[], bytes: Uint8Array): NDArray {
  const a = NDArray.zeros(dtype, shape);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const d = a.data;
  switch (dtype) {
    case 'float32': for (let i = 0; i < d.length; i++) d[i] = view.getFloat32(4 * i, true); break;
    case 'float64': for (let i = 0; i < d.length; i++) d[i] = view.getFloat64(8 * i, true); break;
    case 'int32': for (let i = 0; i < d.length; i++) d[i] = view.getInt32(4 * i, true); break;
    case 'bool': for (let i = 0; i < d.length; i++) d[i] = view.getUint8(i) ? 1 : 0; break;
  }
  return a;
}
