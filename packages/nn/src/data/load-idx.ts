// Node-only: reads files. Browser code parses fetched bytes with parseIdx instead.
import { readFileSync, existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { IdxError, parseIdx } from './idx.js';
import { datasetFromIdx, type Dataset } from './dataset.js';

/** Read a file, gunzipping it when it starts with the gzip magic (whatever its name). */
export function readMaybeGzip(path: string): Uint8Array {
  if (!existsSync(path)) throw new IdxError(path, 'missing: no such file');
  const raw = readFileSync(path);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return new Uint8Array(gunzipSync(raw));
    } catch (e) {
      throw new IdxError(path, `corrupt gzip data (${(e as Error).message})`);
    }
  }
  return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
}

/** Load an IDX image file and its label file (gzipped or not) as a Dataset. */
export function loadIdx(imagesPath: string, labelsPath: string): Dataset {
  const images = parseIdx(readMaybeGzip(imagesPath), imagesPath, 3);
  const labels = parseIdx(readMaybeGzip(labelsPath), labelsPath, 1);
  return datasetFromIdx(images, labels, { images: imagesPath, labels: labelsPath });
}
