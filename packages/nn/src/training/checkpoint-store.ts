import { HypatiaError } from '@hypatia/core';

/** Where a training run keeps its one checkpoint: read the last one written, replace it whole. */
export interface CheckpointStore {
  /** Shown in messages (the file's path). */
  readonly location: string;
  /** The last checkpoint written, or null if there is none. */
  read(): Uint8Array | null;
  /** Replace the checkpoint; an interrupted write must leave the previous one readable. */
  write(bytes: Uint8Array): void;
}

// '@hypatia/nn' stays browser-safe: file access is registered by '@hypatia/nn/node' when imported.
let openInDirectory: ((dir: string) => CheckpointStore) | null = null;

/**
 * Gives checkpoints folder access: `@hypatia/nn/node` registers it on import, so `@hypatia/nn` itself stays free of `node:fs`.
 */
export function registerCheckpointDirectories(open: (dir: string) => CheckpointStore): void {
  openInDirectory = open;
}

/** The store of a checkpoint folder; `call` names the API for the error when no file access is registered. */
export function checkpointStoreIn(call: string, dir: string): CheckpointStore {
  if (!openInDirectory) throw new HypatiaError(call, `checkpoint.dir '${dir}' needs file access: import '@hypatia/nn/node' (it registers it)`);
  return openInDirectory(dir);
}
