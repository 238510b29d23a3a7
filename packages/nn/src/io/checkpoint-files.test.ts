import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkpointPath, readCheckpointSummary, writeFileAtomic } from '@hypatia/nn/node';
import { crashTestRun, CRASH_TEST_EPOCHS } from './testing/crash-test-run.js';

const root = mkdtempSync(join(tmpdir(), 'hypatia-checkpoint-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const crashing = fileURLToPath(new URL('./testing/crash-while-checkpointing.ts', import.meta.url));

// node --import tsx (not the tsx binary, which runs a second process): the kill reaches this child itself.
const runUntilKilled = (dir: string, where: 'rename' | 'write') => new Promise<{ signal: NodeJS.Signals | null; stdout: string }>((ok, fail) => {
  execFile(process.execPath, ['--import', 'tsx', crashing, dir, where], { cwd: repoRoot, timeout: 120_000 }, (err, stdout, stderr) => {
    if (err && !err.signal) fail(new Error(`${err.message}\n${stderr}`));
    else ok({ signal: err?.signal ?? null, stdout });
  });
});

describe('checkpoint files', () => {
  it('writeFileAtomic replaces a file whole and leaves no temporary file', () => {
    const path = join(root, 'nested', 'file.bin');
    writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    writeFileAtomic(path, Uint8Array.of(4, 5));
    expect([...readFileSync(path)]).toEqual([4, 5]);
    expect(existsSync(join(root, 'nested', '.file.bin.tmp'))).toBe(false);
  });

  it.each(['rename', 'write'] as const)('a process killed while writing a checkpoint (before the %s completes) leaves the previous one, which resumes to the uninterrupted result', async (where) => {
    const dir = join(root, where);
    const { signal, stdout } = await runUntilKilled(dir, where);
    expect(signal).toBe('SIGKILL');
    expect(stdout).not.toContain('not interrupted');
    // The second checkpoint's bytes reached the temporary file (all of them, or half), never the checkpoint.
    const tmp = join(dir, '.checkpoint.safetensors.tmp');
    expect(statSync(tmp).size).toBeGreaterThan(0);
    expect(readCheckpointSummary(dir)).toEqual({ call: 'Network.sgd', epochsDone: 1, stopped: false });

    const resumed = await crashTestRun({ dir, resume: true }, 50);
    const whole = await crashTestRun();
    expect(resumed.net.params.map((p) => Array.from(p.get().data))).toEqual(whole.net.params.map((p) => Array.from(p.get().data)));
    expect(resumed.history.epochs.map((r) => [r.epoch, r.cost, r.validationAccuracy])).toEqual(whole.history.epochs.map((r) => [r.epoch, r.cost, r.validationAccuracy]));
    expect(readCheckpointSummary(dir)!.epochsDone).toBe(CRASH_TEST_EPOCHS);
    expect(existsSync(tmp)).toBe(false);
    expect(existsSync(checkpointPath(dir))).toBe(true);
  });
});
