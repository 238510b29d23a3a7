/**
 * The IDX format of the MNIST files: a 4-byte magic (two zero bytes, a type code, the number of
 * dimensions), one big-endian uint32 per dimension, then the raw data. Only unsigned bytes (0x08)
 * are used by MNIST, so only they are read. Pure: no node imports, so browsers can parse fetched bytes.
 */
export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

/** Raised for an IDX file that cannot be read (bad magic number, element type or length); names the file. */
export class IdxError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'IdxError';
  }
}

/** Parse one IDX file already in memory (gunzipped); `file` names it in errors. */
export function parseIdx(bytes: Uint8Array, file: string, expectedDims?: number): IdxArray {
  if (bytes.length < 4) throw new IdxError(file, `truncated: ${bytes.length} bytes, too short for the 4-byte IDX magic`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxError(file, `bad magic ${hex(bytes.subarray(0, 4))}: an IDX file starts with two zero bytes (is it an IDX file?)`);
  }
  if (bytes[2] !== UBYTE) throw new IdxError(file, `bad magic ${hex(bytes.subarray(0, 4))}: element type 0x${bytes[2]!.toString(16)} is not unsigned byte (0x08)`);
  const ndim = bytes[3]!;
  if (expectedDims !== undefined && ndim !== expectedDims) {
    throw new IdxError(file, `bad magic ${hex(bytes.subarray(0, 4))}: ${ndim} dimensions where ${expectedDims} were expected`);
  }
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) throw new IdxError(file, `truncated: ${bytes.length} bytes, but the header of ${ndim} dimensions needs ${headerLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const size = shape.reduce((a, b) => a * b, 1);
  const available = bytes.length - headerLength;
  if (available < size) {
    throw new IdxError(file, `truncated: shape [${shape.join(', ')}] needs ${size} data bytes but only ${available} are present`);
  }
  if (available > size) throw new IdxError(file, `${available - size} unexpected bytes after the data of shape [${shape.join(', ')}]`);
  return { shape, data: bytes.subarray(headerLength, headerLength + size) };
}

function hex(b: Uint8Array): string {
  return `0x${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')}`;
}
