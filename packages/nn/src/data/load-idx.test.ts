import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadIdx } from './load-idx.js';

function idx(dims: number[], data: number[], magic: [number, number, number, number] = [0, 0, 8, dims.length]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set(magic);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'hypatia-idx-'));
const write = (name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

describe('loadIdx', () => {
  const images = idx([2, 2, 2], [0, 255, 51, 102, 255, 0, 0, 0]);
  const labels = idx([2], [3, 7]);

  it('reads images as float32 in [0,1] and labels as int32', () => {
    const d = loadIdx(write('img', images), write('lab', labels));
    expect(d.x.dtype).toBe('float32');
    expect(d.x.shape).toEqual([2, 4]);
    expect(Array.from(d.x.data)).toEqual([0, 1, 0.2, 0.4, 1, 0, 0, 0].map((v) => Math.fround(v)));
    expect(d.y.dtype).toBe('int32');
    expect(Array.from(d.y.data)).toEqual([3, 7]);
  });

  it('reads gzipped files', () => {
    const d = loadIdx(write('img.gz', gzipSync(images)), write('lab.gz', gzipSync(labels)));
    expect(Array.from(d.y.data)).toEqual([3, 7]);
    expect(d.x.data[1]).toBe(1);
  });

  it('names the missing file', () => {
    const missing = join(dir, 'nope-images');
    expect(() => loadIdx(missing, write('lab', labels))).toThrow(/nope-images: missing/);
  });

  it('rejects a bad magic', () => {
    const p = write('bad-magic', idx([2, 2, 2], [0, 0, 0, 0, 0, 0, 0, 0], [1, 2, 8, 3]));
    expect(() => loadIdx(p, write('lab', labels))).toThrow(/bad-magic: bad magic 0x01020803/);
    const wrongType = write('float-idx', idx([2, 2, 2], [0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0x0d, 3]));
    expect(() => loadIdx(wrongType, write('lab', labels))).toThrow(/float-idx: bad magic.*not unsigned byte/);
    expect(() => loadIdx(write('img', labels), write('lab', labels))).toThrow(/img: bad magic.*1 dimensions where 3/);
  });

  it('rejects a truncated file', () => {
    const p = write('short', images.subarray(0, images.length - 3));
    expect(() => loadIdx(p, write('lab', labels))).toThrow(/short: truncated: shape \[2, 2, 2\] needs 8 data bytes but only 5/);
    expect(() => loadIdx(write('tiny', images.subarray(0, 7)), write('lab', labels))).toThrow(/tiny: truncated/);
  });

  it('rejects a count mismatch between images and labels', () => {
    const p = write('three-labels', idx([3], [1, 2, 3]));
    expect(() => loadIdx(write('img', images), p)).toThrow(/three-labels: count mismatch: 3 labels for 2 images/);
  });
});
