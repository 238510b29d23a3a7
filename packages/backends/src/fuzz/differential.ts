import { compile, type CompileSpec, type NDArray } from '@hypatia/core';
import { arrayOf, buildProgram, printProgram, type Program } from './program.js';

/** A way to compile a program: a backend and its options. */
export interface Config {
  name: string;
  compile: Pick<CompileSpec, 'backend' | 'rewrites' | 'backendOptions'>;
  /** Programs this config cannot run by design (WebGPU has no float64). */
  accepts?: (p: Program) => boolean;
}

/** The oracle: the reference backend, every rewrite off (each op's own `perform`). */
export const ORACLE: Config = { name: 'oracle', compile: { backend: 'reference', rewrites: false } };

/** What one event gave: a call's outputs and every shared variable afterwards, or the error it threw. */
type CallResult = { values: Map<string, NDArray> } | { error: string };

export interface Mismatch {
  seed: number;
  /** The program's family (a loop program is drawn only when asked for, so rerunning it names it). */
  family: string;
  config: string;
  /** The index of the event after which they first disagree (-1: at compile time). */
  event: number;
  detail: string;
  /** A script that builds the program on the oracle and on the config and prints both. */
  reproducer: string;
}

async function trace(p: Program, config: Config): Promise<CallResult[] | { compileError: string }> {
  const built = buildProgram(p);
  const fs = [];
  try {
    for (const [k, f] of built.functions.entries()) fs.push(await compile({ ...f, name: `fuzz_${p.seed}_${k}`, ...config.compile }));
  } catch (e) {
    return { compileError: (e as Error).message };
  }
  const byName = new Map(built.shared.map((s) => [s.name, s.variable]));
  const results: CallResult[] = [];
  for (const e of p.events) {
    const values = new Map<string, NDArray>();
    try {
      if ('set' in e) byName.get(e.set)!.set(arrayOf(e.value));
      else (await fs[e.call]!(...e.args.map(arrayOf))).forEach((o, k) => values.set(`output ${k} (${p.functions[e.call]!.outputs[k]})`, o));
      for (const s of built.shared) values.set(`shared ${s.name}`, await s.variable.getAsync());
      results.push({ values });
    } catch (err) {
      results.push({ error: (err as Error).message });
    }
  }
  return results;
}

/** How far a backend may drift from the oracle: float32 sums in other orders and fused kernels; float64 only by rounding. */
function tolerance(dtype: string): { rtol: number; atol: number } {
  return dtype === 'float64' ? { rtol: 1e-7, atol: 1e-9 } : { rtol: 2e-3, atol: 2e-4 };
}

function compare(want: NDArray, got: NDArray): string | null {
  if (want.dtype !== got.dtype) return `dtype ${got.dtype}, expected ${want.dtype}`;
  if (want.shape.length !== got.shape.length || want.shape.some((n, i) => n !== got.shape[i])) {
    return `shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`;
  }
  const { rtol, atol } = tolerance(want.dtype);
  for (let i = 0; i < want.size; i++) {
    const a = want.data[i]!;
    const b = got.data[i]!;
    if (a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
    if (want.dtype === 'int32' || want.dtype === 'bool' || !(Math.abs(a - b) <= atol + rtol * Math.abs(a))) return `element ${i} is ${b}, expected ${a}`;
  }
  return null;
}

/**
 * Runs a program on the oracle and on each config, event by event (calls several times in a
 * row, sets from outside), and returns the first disagreement: an output or a shared variable
 * after some event, an error
 * thrown by one side only, or a compile failure. Null when every config agrees.
 */
export async function runDifferential(p: Program, configs: readonly Config[]): Promise<Mismatch | null> {
  const want = await trace(p, ORACLE);
  if ('compileError' in want) throw new Error(`fuzz program ${p.seed} does not compile on the oracle: ${want.compileError}`);
  for (const config of configs) {
    if (config.accepts && !config.accepts(p)) continue;
    const mismatch = (event: number, detail: string): Mismatch => ({
      seed: p.seed, family: p.family, config: config.name, event, detail, reproducer: printProgram(p, config, ORACLE.compile),
    });
    const got = await trace(p, config);
    if ('compileError' in got) return mismatch(-1, `compile failed: ${got.compileError}`);
    for (let c = 0; c < want.length; c++) {
      const w = want[c]!;
      const g = got[c]!;
      if ('error' in w) {
        if ('error' in g) continue;
        return mismatch(c, `returned, but the oracle threw: ${w.error}`);
      }
      if ('error' in g) return mismatch(c, `threw: ${g.error}`);
      for (const [what, a] of w.values) {
        const diff = compare(a, g.values.get(what)!);
        if (diff) return mismatch(c, `${what}: ${diff}`);
      }
    }
  }
  return null;
}

export function describeMismatch(m: Mismatch): string {
  return [
    `fuzz seed ${m.seed}: ${m.config} disagrees with the oracle ${m.event < 0 ? 'at compile time' : `after event ${m.event}`}: ${m.detail}`,
    `rerun every backend on it: pnpm fuzz --seed ${m.seed}${m.family === 'scan' ? ' --family scan' : ''}`,
    `a script that shows it (save as a .ts file in the repository and run with npx tsx):`,
    m.reproducer,
  ].join('\n');
}
