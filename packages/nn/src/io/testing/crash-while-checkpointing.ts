// A training run that dies (SIGKILL, as a power cut or the OOM killer would end it) while writing
// its second checkpoint: `tsx crash-while-checkpointing.ts DIR rename|write`. 'rename' dies after the
// new checkpoint is written to its temporary file and flushed, before the rename; 'write' dies with
// half of the temporary file written.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { crashTestRun } from './crash-test-run.js';

const [dir, where] = process.argv.slice(2);
if (!dir || (where !== 'rename' && where !== 'write')) throw new Error('usage: crash-while-checkpointing.ts DIR rename|write');
const die = () => process.kill(process.pid, 'SIGKILL');
let checkpoints = 0;
if (where === 'rename') {
  const rename = fs.renameSync;
  fs.renameSync = (from, to) => (++checkpoints === 2 ? die() : rename(from, to));
} else {
  const write = fs.writeSync as (fd: number, b: Uint8Array, offset: number, length: number) => number;
  fs.writeSync = ((fd: number, b: Uint8Array, offset: number, length: number) => {
    if (++checkpoints === 2) { write(fd, b, offset, Math.floor(length / 2)); die(); }
    return write(fd, b, offset, length);
  }) as typeof fs.writeSync;
}
// The named exports of 'node:fs' that the checkpoint code imported now call the patched functions.
syncBuiltinESMExports();
await crashTestRun({ dir });
console.log('the run was not interrupted');
