import { afterAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCheckpointSummary } from '@hypatia/nn/node';

const main = fileURLToPath(new URL('./main.ts', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'hypatia-mnist-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// node --import tsx rather than the tsx binary, so that SIGKILL reaches the training process itself.
const command = (args: string[]) => [process.execPath, ['--import', 'tsx', main, ...args, '--json', '--no-progress']] as const;

const run = (args: string[]) => new Promise<{ stdout: string; stderr: string }>((ok, fail) => {
  const [node, argv] = command(args);
  execFile(node, argv, { cwd: repoRoot, timeout: 300_000 }, (err, stdout, stderr) => (err ? fail(new Error(`${err.message}\n${stderr}`)) : ok({ stdout, stderr })));
});

/** Start a run and SIGKILL it as soon as `file` exists (its first checkpoint): mid-epoch, while it trains on. */
const killWhenExists = (args: string[], file: string) => new Promise<{ signal: NodeJS.Signals | null; stdout: string }>((ok, fail) => {
  const [node, argv] = command(args);
  const child = spawn(node, argv, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const poll = setInterval(() => { if (existsSync(file)) child.kill('SIGKILL'); }, 10);
  child.on('exit', (code, signal) => {
    clearInterval(poll);
    if (signal === null && code !== 0) fail(new Error(`exited with ${code}\n${stderr}`));
    else ok({ signal, stdout });
  });
});

/** The results file's content without wall times, which differ from run to run. */
function untimedResults(out: string) {
  const [name] = readdirSync(out).filter((f) => f.endsWith('.json'));
  const r = JSON.parse(readFileSync(join(out, name!), 'utf8'));
  return {
    ...r, seconds: undefined, trainExamplesPerSec: undefined,
    epochReports: r.epochReports.map((member: object[]) => member.map((e) => ({ ...e, seconds: undefined, examplesPerSecond: undefined }))),
  };
}
const untimedLine = (stdout: string) => ({ ...JSON.parse(stdout.trim().split('\n').at(-1)!), seconds: undefined, trainExamplesPerSec: undefined });

// The uninterrupted small ensemble, run once for the tests that compare with it.
const ensembleArgs = ['--experiment', 'ensemble', '--limit', '30', '--epochs', '2'];
const ensembleWholeOut = join(root, 'ensemble-whole');
let ensembleWholeRun: Promise<{ stdout: string; stderr: string }> | undefined;
const ensembleWhole = () => (ensembleWholeRun ??= run([...ensembleArgs, '--out', ensembleWholeOut]));

describe('pnpm mnist --checkpoint / --resume', () => {
  it('a dropout run killed mid-epoch and resumed ends with the same results as an uninterrupted run', async () => {
    const args = ['--experiment', 'dropout', '--limit', '200', '--epochs', '3'];
    const whole = await run([...args, '--out', join(root, 'whole')]);

    const dir = join(root, 'dropout-checkpoint');
    const killed = await killWhenExists([...args, '--checkpoint', dir, '--out', join(root, 'resumed')], join(dir, 'checkpoint.safetensors'));
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).toBe('');
    expect(readCheckpointSummary(dir)!.epochsDone).toBeLessThan(3);

    const resumed = await run([...args, '--resume', dir, '--out', join(root, 'resumed')]);
    expect(resumed.stderr).toMatch(/resuming from .*dropout-checkpoint: [12] of 3 epochs done/);
    expect(untimedLine(resumed.stdout)).toEqual(untimedLine(whole.stdout));
    const expected = untimedResults(join(root, 'whole'));
    expect(expected.epochReports[0]).toHaveLength(3);
    expect(expected.epochReports[0][2].epochTestAccuracy).toBeGreaterThan(0);
    expect(untimedResults(join(root, 'resumed'))).toEqual(expected);
  });

  it('an ensemble killed while its second member trains resumes the two started members, starts the others and votes as an uninterrupted run', async () => {
    const args = ensembleArgs;
    const whole = await ensembleWhole();

    const dir = join(root, 'ensemble-checkpoint');
    const killed = await killWhenExists([...args, '--checkpoint', dir, '--out', join(root, 'ensemble-resumed')], join(dir, 'member-2', 'checkpoint.safetensors'));
    expect(killed.signal).toBe('SIGKILL');
    expect(readCheckpointSummary(join(dir, 'member-1'))!.epochsDone).toBe(2);
    expect(existsSync(join(dir, 'member-3'))).toBe(false);

    const resumed = await run([...args, '--resume', dir, '--out', join(root, 'ensemble-resumed')]);
    expect(resumed.stderr).toMatch(/net 1\/5 resuming from .*member-1: 2 of 2 epochs done/);
    expect(resumed.stderr).toMatch(/net 2\/5 resuming from .*member-2: 1 of 2 epochs done/);
    expect(untimedLine(resumed.stdout)).toEqual(untimedLine(whole.stdout));
    const expected = untimedResults(ensembleWholeOut);
    expect(expected.members).toHaveLength(5);
    expect(untimedResults(join(root, 'ensemble-resumed'))).toEqual(expected);
  });

  it('an ensemble whose networks were trained side by side, one process each with --member, votes as an uninterrupted run', async () => {
    const args = ensembleArgs;
    const whole = ensembleWhole();
    const dir = join(root, 'ensemble-members');
    const out = join(root, 'ensemble-members-out');
    const members = await Promise.all([1, 2, 3, 4, 5].map((k) => run([...args, '--member', String(k), '--checkpoint', dir, '--out', out])));
    members.forEach((m, i) => {
      expect(m.stdout).toBe('');
      expect(m.stderr).toMatch(new RegExp(`net ${i + 1}/5 is trained in .*member-${i + 1}`));
      expect(readCheckpointSummary(join(dir, `member-${i + 1}`))!.epochsDone).toBe(2);
    });
    expect(existsSync(out)).toBe(false);

    const voted = await run([...args, '--resume', dir, '--out', out]);
    for (let k = 1; k <= 5; k++) expect(voted.stderr).toMatch(new RegExp(`net ${k}/5 resuming from .*member-${k}: 2 of 2 epochs done`));
    expect(untimedLine(voted.stdout)).toEqual(untimedLine((await whole).stdout));
    expect(untimedResults(out)).toEqual(untimedResults(ensembleWholeOut));
  });

  it('refuses --member outside an ensemble, out of range or with no checkpoint folder', async () => {
    await expect(run(['--experiment', 'dropout', '--limit', '20', '--member', '1', '--checkpoint', join(root, 'm')])).rejects.toThrow(/--member 1: dropout trains one network/);
    await expect(run(['--experiment', 'ensemble', '--limit', '20', '--member', '6', '--checkpoint', join(root, 'm')])).rejects.toThrow(/--member must be a whole number from 1 to 5 .*got '6'/);
    await expect(run(['--experiment', 'ensemble', '--limit', '20', '--member', '2'])).rejects.toThrow(/--member 2 needs --checkpoint DIR or --resume DIR/);
  });

  it('refuses --resume of a folder with no checkpoint', async () => {
    await expect(run(['--experiment', 'shallow', '--limit', '20', '--resume', join(root, 'nothing')])).rejects.toThrow(/--resume .*nothing: there is no checkpoint of shallow in it/);
  });
});
