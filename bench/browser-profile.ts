// Where the wasm backend's training step spends its time in Chromium: per-step wall time with the
// plan replayed (as users get it), then each node's share on the JS path (replay off, every node's
// step a timed JS call; the JS path adds its own overhead, so shares, not sums, are what compare).
// A developer's tool, as bench/profile-step.ts is for native:
//   npx tsx bench/browser-profile.ts conv|shallow
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBenchPage } from './browser/run-page.js';
import type { StepProfile } from './browser/profile-page.js';

const kind = process.argv[2] ?? 'conv';
if (kind !== 'conv' && kind !== 'shallow') {
  console.error(`browser-profile: expected conv or shallow, got ${kind}`);
  process.exit(2);
}
const { result: p, chromium } = await runBenchPage<StepProfile>({
  entry: join(fileURLToPath(new URL('.', import.meta.url)), 'browser', 'profile-page.ts'),
  nTrain: 1000, query: `kind=${kind}`, minutes: 10, log: (s) => process.stderr.write(`${s}\n`),
});
const inSteps = p.nodes.reduce((s, n) => s + n.ms, 0);
console.log(`${p.kind} mb10 on wasm in Chromium ${chromium}, load average ${loadavg()[0]!.toFixed(2)}`);
console.log(`replayed: ${p.replayedMs.toFixed(3)} ms per step (${Math.round(10_000 / p.replayedMs)} ex/s)`);
console.log(`JS path: ${p.jsPathMs.toFixed(3)} ms per step, ${inSteps.toFixed(3)} ms of it in the nodes' steps:`);
for (const n of p.nodes.slice(0, 12)) console.log(`${n.ms.toFixed(3).padStart(8)} ms ${((100 * n.ms) / inSteps).toFixed(0).padStart(3)}%  ${n.node.slice(0, 150)}`);
