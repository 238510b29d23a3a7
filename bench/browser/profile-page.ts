// The browser profile's page: one network's wasm training step at mini-batch 10, timed as users get
// it (the recorded plan replayed in one call into the module), then on the JS path (replay off),
// where every node's step is a JS call that can be timed. bench/browser-profile.ts serves it.
import '@hypatia/backends';
import { compileTraining } from '../lib/hypatia-runner.js';
import { initialParams, type NetKind } from '../lib/workloads.js';
import { decodeRows } from './rows-file.js';

export interface StepProfile {
  kind: NetKind;
  replayedMs: number;
  jsPathMs: number;
  /** Milliseconds per training step in each node's step, slowest first, with the node as the executable describes it. */
  nodes: { ms: number; node: string }[];
}

/** The wasm executable's planned steps (a private field, read on purpose) and its description, a line per step. */
interface StepsOf {
  steps: ({ family: { run: (...a: unknown[]) => unknown } | null; step: unknown })[];
  describe(): string;
}

const kind: NetKind = new URLSearchParams(location.search).get('kind') === 'shallow' ? 'shallow' : 'conv';
const calls = kind === 'conv' ? 60 : 600;
const g = window as unknown as { benchResult?: StepProfile; benchError?: string };

async function msPerCall(step: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 10; i++) await step(i);
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await step(i % 100);
  return (performance.now() - t0) / calls;
}

async function main(): Promise<StepProfile> {
  const data = decodeRows(await (await fetch('rows.bin')).arrayBuffer());
  const params = initialParams(kind);
  const replayedMs = await msPerCall(await compileTraining('wasm', kind, 10, params, data));
  const fn = await compileTraining('wasm', kind, 10, params, data, { replay: false });
  const ex = fn.executable as unknown as StepsOf;
  const spent = new Map<number, number>();
  let timing = false;
  ex.steps.forEach((s, i) => {
    const family = s.family;
    if (!family) return;
    const timed = Object.create(family) as typeof family;
    timed.run = (...a: unknown[]) => {
      const t0 = performance.now();
      try {
        return family.run(...a);
      } finally {
        if (timing) spent.set(i, (spent.get(i) ?? 0) + performance.now() - t0);
      }
    };
    ex.steps[i] = { family: timed, step: s.step };
  });
  for (let i = 0; i < 10; i++) await fn(i);
  timing = true;
  const jsPathMs = await msPerCall(fn);
  const lines = ex.describe().split('\n');
  const nodes = [...spent.entries()].sort((a, b) => b[1] - a[1]).map(([i, ms]) => ({ ms: ms / (calls + 10), node: lines[i]!.trim() }));
  return { kind, replayedMs, jsPathMs, nodes };
}

main().then((r) => { g.benchResult = r; }, (e: unknown) => { g.benchError = e instanceof Error ? `${e.message}\n${e.stack}` : String(e); });
