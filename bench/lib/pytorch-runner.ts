// PyTorch on the CPU through Debian's python3 and python3-torch (bench/pytorch/train.py): the same
// nets, initial weights, data and SGD step, written to a temporary directory for the script. It is
// timed on 1 and 2 threads; the column holds the better of the two (the one-thread rows the
// one-thread figure). Null, with a note, where python3 or torch is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchData, NetKind, Param } from './workloads.js';
import type { Budget } from './timing.js';
import type { Runner } from './runner.js';

const PYTHON = process.env.HYPATIA_BENCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', 'pytorch', 'train.py');

/** The torch version python3 imports, or null with the reason. */
export function torchVersion(): { version: string | null; why: string } {
  if (!existsSync(PYTHON)) return { version: null, why: `${PYTHON} not found` };
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status !== 0) return { version: null, why: `${PYTHON} cannot import torch (apt-get install -y python3-torch)` };
  return { version: r.stdout.trim(), why: '' };
}

export interface TorchTraining {
  /** Examples per second by thread count. */
  rates: Record<string, number>;
  /** Costs of the first steps, when asked for. */
  costs: number[];
}

export class PytorchRunner implements Runner {
  readonly key = 'pytorch';
  readonly notes: string[] = [];
  private dir: string | null = null;
  private written = new Set<NetKind>();
  /** One-thread rates of the runs so far, by `${kind}-mb${miniBatch}`, for the one-thread rows. */
  readonly oneThread = new Map<string, number>();
  private readonly torch = torchVersion();

  constructor(readonly threads: readonly number[] = [1, 2]) {
    if (!this.torch.version) this.notes.push(`pytorch: null, ${this.torch.why}`);
    else this.notes.push(`pytorch: torch ${this.torch.version} on the CPU via ${PYTHON}, timed on ${threads.join(' and ')} thread(s); the column is the faster setting (-t1 rows: one thread); which one won is noted per row`);
    this.notes.push('pytorch infer, sgemm and compile rows: not run (the column compares training steps only)');
  }

  get available(): boolean {
    return this.torch.version !== null;
  }

  private write(kind: NetKind, params: Param[], data: BenchData): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'hypatia-bench-torch-'));
    if (this.written.size === 0) {
      writeFileSync(join(this.dir, 'trainX.f32'), data.trainX.subarray(0, data.nTrain * 784));
      writeFileSync(join(this.dir, 'trainY.i32'), data.trainY.subarray(0, data.nTrain));
    }
    if (!this.written.has(kind)) {
      // Parameter files are per net; meta.json says which shapes the current net has.
      params.forEach((p, i) => writeFileSync(join(this.dir!, `param${i}.f32`), p.data));
      this.written.clear();
      this.written.add(kind);
    }
    writeFileSync(join(this.dir, 'meta.json'), JSON.stringify({ nTrain: data.nTrain, shapes: { [kind]: params.map((p) => p.shape) } }));
    return this.dir;
  }

  /** Rates on each thread count of `threads` and the first `costsWanted` costs. */
  trainAll(kind: NetKind, miniBatch: number, params: Param[], data: BenchData, budget: Budget, costsWanted = 0): TorchTraining | null {
    if (!this.available) return null;
    const dir = this.write(kind, params, data);
    const args = [SCRIPT, dir, kind, miniBatch, budget.seconds, budget.warmup, budget.rounds, this.threads.join(','), costsWanted].map(String);
    const r = spawnSync(PYTHON, args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(Math.max(...this.threads)) } });
    const last = r.stdout?.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !last.startsWith('{')) throw new Error(`pytorch: train.py failed (${(r.stderr || `status ${r.status}`).trim().split('\n').pop()})`);
    return JSON.parse(last) as TorchTraining;
  }

  async train(kind: NetKind, miniBatch: number, params: Param[], data: BenchData, budget: Budget, costs?: number[]): Promise<number | null> {
    const t = this.trainAll(kind, miniBatch, params, data, budget, costs ? 1000 : 0);
    if (!t) return null;
    costs?.push(...t.costs);
    const [best, rate] = Object.entries(t.rates).sort((a, b) => b[1] - a[1])[0]!;
    if (t.rates['1'] !== undefined) this.oneThread.set(`${kind}-mb${miniBatch}`, t.rates['1']);
    this.notes.push(`pytorch ${kind}-mb${miniBatch}: best on ${best} thread(s) (${Object.entries(t.rates).map(([n, v]) => `${n}: ${v.toPrecision(3)}`).join(', ')} ex/s)`);
    return rate;
  }

  async infer(): Promise<null> {
    return null;
  }

  async sgemm(): Promise<null> {
    return null;
  }
}
