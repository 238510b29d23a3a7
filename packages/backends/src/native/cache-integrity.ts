import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A cached addon is loaded with dlopen, which maps the file: a truncated one (a crash or a full disk
 * mid-write) kills the process with SIGBUS rather than throwing. So every addon is written durably
 * and gets a record of its size and sha256 beside it, written durably after it; an addon whose
 * record is missing or does not match is never loaded.
 */

/** The record's path, beside the addon. */
export const recordPath = (addon: string): string => `${addon}.sha256`;

interface AddonRecord {
  size: number;
  sha256: string;
}

const digest = (bytes: Uint8Array): AddonRecord => ({ size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });

/** Flush a file's data (and, for a directory, its entries) to the disk. */
function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Rename `from` to `to` (atomic on one file system) once `from` is on the disk, then flush the directory entry. */
export function renameDurably(from: string, to: string): void {
  fsyncPath(from);
  renameSync(from, to);
  try {
    fsyncPath(dirname(to));
  } catch { /* some systems (Windows) cannot open a directory to flush it; the rename still stands */ }
}

/**
 * Move a freshly built addon from `built` (a private temporary path) to `addon`, then write its
 * record through `scratch` (another private path). A crash between the two leaves an addon with no
 * record, which the next load rebuilds.
 */
export function installAddon(built: string, addon: string, scratch: string): void {
  const record = digest(readFileSync(built));
  renameDurably(built, addon);
  writeFileSync(scratch, `${JSON.stringify(record)}\n`);
  renameDurably(scratch, recordPath(addon));
}

/**
 * Is the cached addon at `addon` whole? 'absent' when there is none, 'ok' when its size and sha256
 * match its record, else what is wrong with it.
 */
export function checkCachedAddon(addon: string): 'absent' | 'ok' | string {
  if (!existsSync(addon)) return 'absent';
  let record: AddonRecord;
  try {
    record = JSON.parse(readFileSync(recordPath(addon), 'utf8')) as AddonRecord;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? `it has no size and checksum record (${recordPath(addon)})` : `its record ${recordPath(addon)} cannot be read`;
  }
  if (typeof record?.size !== 'number' || typeof record.sha256 !== 'string') return `its record ${recordPath(addon)} cannot be read`;
  const size = statSync(addon).size;
  if (size !== record.size) return `it is ${size} bytes but was written as ${record.size} (truncated?)`;
  if (digest(readFileSync(addon)).sha256 !== record.sha256) return 'its sha256 does not match the one recorded when it was built';
  return 'ok';
}
