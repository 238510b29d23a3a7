// Node-only: a training checkpoint as one file in a folder, replaced atomically.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { registerCheckpointDirectories, type CheckpointStore } from '../training/checkpoint-store.js';
import { checkpointSummary, type CheckpointSummary } from '../training/checkpoint.js';

/** The file a checkpoint folder holds. */
export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/** The checkpoint file in folder `dir`. */
export function checkpointPath(dir: string): string {
  return join(dir, CHECKPOINT_FILE);
}

/**
 * Replace `path` so that a crash at any moment leaves the old file or the new one, whole: the bytes
 * go to a temporary file in the same folder (a rename is atomic only within one file system), which
 * is flushed to disk before it is renamed over `path`; the folder is then flushed so the rename
 * itself survives a power cut.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  // Windows cannot open a folder to flush it; its rename is durable once it returns.
  if (process.platform !== 'win32') {
    const dirFd = openSync(dir, 'r');
    try { fsyncSync(dirFd); } finally { closeSync(dirFd); }
  }
}

/** The checkpoint store of a folder (created on the first write). */
export function checkpointDirectory(dir: string): CheckpointStore {
  const path = checkpointPath(dir);
  return {
    location: path,
    read: () => (existsSync(path) ? new Uint8Array(readFileSync(path)) : null),
    write: (bytes) => writeFileAtomic(path, bytes),
  };
}

/** Whether folder `dir` holds a checkpoint. */
export function hasCheckpoint(dir: string): boolean {
  return existsSync(checkpointPath(dir));
}

/** What the checkpoint in `dir` records (the call that wrote it, epochs done, whether it stopped early), or null if there is none. */
export function readCheckpointSummary(dir: string): CheckpointSummary | null {
  const bytes = checkpointDirectory(dir).read();
  return bytes ? checkpointSummary(bytes, checkpointPath(dir)) : null;
}

registerCheckpointDirectories(checkpointDirectory);
