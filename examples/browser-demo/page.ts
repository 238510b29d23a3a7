// The demo page: pick a network and a backend, train it on MNIST with a live chart and progress
// bar, draw a digit and see the network's probabilities. Built by build.ts. What it shows is also
// kept in window.hypatia, which the end-to-end test reads.
import { gpuDescription } from '@hypatia/backends';
import { BACKEND_LABELS, decideBackend, isBackendChoice, wasmThreadsNotice, type BackendChoice } from './backend-choice.js';
import { TrainingChart } from './chart.js';
import { DigitPad } from './digit-pad.js';
import { decodeSubset, type MnistSubset } from './mnist-subset.js';
import { isNetworkKind, NETWORKS, type NetworkKind } from './networks.js';
import { drawProbabilities } from './probability-bars.js';
import { TrainingSession, type TrainingPoint } from './trainer.js';

interface DemoState {
  status: 'loading' | 'ready' | 'compiling' | 'training' | 'stopped' | 'done' | 'failed';
  network: NetworkKind | null;
  /** The backend running the network: 'webgpu', 'wasm' or 'reference'. */
  backend: string | null;
  notices: string[];
  steps: number;
  totalSteps: number;
  examplesPerSecond: number;
  points: TrainingPoint[];
  probabilities: number[] | null;
  error: string | null;
}
const state: DemoState = {
  status: 'loading', network: null, backend: null, notices: [], steps: 0, totalSteps: 0, examplesPerSecond: 0, points: [], probabilities: null, error: null,
};
(window as unknown as { hypatia: DemoState }).hypatia = state;

const $ = <T extends Element = HTMLElement>(id: string) => document.getElementById(id) as unknown as T;
const params = new URLSearchParams(location.search);
const BACKEND_NAMES: Record<string, string> = { webgpu: 'WebGPU', wasm: 'WebAssembly', reference: 'the reference backend' };

const networkSelect = $<HTMLSelectElement>('network');
const backendSelect = $<HTMLSelectElement>('backend');
const epochsInput = $<HTMLInputElement>('epochs');
const etaInput = $<HTMLInputElement>('eta');
const startButton = $<HTMLButtonElement>('start');
const stopButton = $<HTMLButtonElement>('stop');

for (const [value, label] of Object.entries(NETWORKS)) networkSelect.append(new Option(label, value));
// The reference backend (plain JavaScript, the oracle) only when asked for: ?reference
const choices = (Object.keys(BACKEND_LABELS) as BackendChoice[]).filter((c) => c !== 'reference' || params.has('reference'));
for (const c of choices) backendSelect.append(new Option(BACKEND_LABELS[c], c));
const preset = (el: HTMLSelectElement | HTMLInputElement, name: string) => { const v = params.get(name); if (v !== null) el.value = v; };
preset(networkSelect, 'network');
preset(backendSelect, 'backend');
preset(epochsInput, 'epochs');
preset(etaInput, 'eta');

let data: MnistSubset | null = null;
let session: TrainingSession | null = null;
let stopRequested = false;
let saidThreads = false;

function notice(text: string): void {
  state.notices.push(text);
  const li = document.createElement('li');
  li.textContent = text;
  $('notices').append(li);
}

function setStatus(text: string, failed = false): void {
  $('status').textContent = text;
  $('status').classList.toggle('failed', failed);
}

function setRunning(running: boolean): void {
  startButton.disabled = running || !data;
  stopButton.disabled = !running;
  for (const el of [networkSelect, backendSelect, epochsInput, etaInput]) el.disabled = running;
}

function showProgress(done: number, total: number, perEpoch: number): void {
  const bar = $<HTMLProgressElement>('progress');
  bar.max = Math.max(1, total);
  bar.value = done;
  const epoch = Math.min(Math.floor(done / perEpoch) + 1, Math.ceil(total / perEpoch));
  const rate = state.examplesPerSecond ? ` · ${Math.round(state.examplesPerSecond).toLocaleString('en')} images/s` : '';
  $('progress-text').textContent = `epoch ${epoch} of ${Math.ceil(total / perEpoch)} · mini-batch ${done} of ${total}${rate}`;
}

const chart = new TrainingChart($<SVGSVGElement>('chart'), () => state.totalSteps * (session?.miniBatch ?? 10));

/** A macrotask boundary (not clamped as nested timeouts are), so the browser paints and handles input. */
const channel = new MessageChannel();
const yieldToBrowser = () => new Promise<void>((resolve) => {
  channel.port1.onmessage = () => resolve();
  channel.port2.postMessage(0);
});

async function train(): Promise<void> {
  if (!data) return;
  const kind = networkSelect.value;
  const choice = backendSelect.value;
  const epochs = Math.max(1, Math.floor(Number(epochsInput.value) || 1));
  const eta = Number(etaInput.value);
  if (!isNetworkKind(kind) || !isBackendChoice(choice)) throw new Error(`unknown network ${kind} or backend ${choice}`);
  if (!(eta > 0)) throw new Error(`the learning rate must be a positive number, got "${etaInput.value}"`);
  stopRequested = false;
  setRunning(true);
  Object.assign(state, { status: 'compiling', network: kind, backend: null, steps: 0, examplesPerSecond: 0, points: [], error: null });
  chart.reset();
  setStatus(`compiling the ${kind} network…`);
  const decision = await decideBackend(choice);
  decision.notices.forEach(notice);
  session = null;
  session = await TrainingSession.create(kind, decision.backend, data, eta);
  state.backend = session.backend;
  if (session.backend === 'wasm' && !saidThreads) {
    saidThreads = true;
    notice(wasmThreadsNotice());
  }
  const perEpoch = session.batchesPerEpoch;
  state.totalSteps = epochs * perEpoch;
  const evalEvery = Math.max(1, Number(params.get('evalEvery')) || Math.round(perEpoch / 10));
  state.status = 'training';
  const device = session.backend === 'webgpu' ? ` (${gpuDescription()})` : '';
  setStatus(`training the ${kind} network on ${BACKEND_NAMES[session.backend] ?? session.backend}${device}, learning rate ${eta}`);
  showProgress(0, state.totalSteps, perEpoch);
  void predict();
  const outcome = await session.train({ epochs, evalEvery, readCostEvery: session.backend === 'webgpu' ? 10 : 1 }, {
    onStep: (done, total, rate) => {
      state.steps = done;
      state.examplesPerSecond = rate;
      if (done % 10 === 0 || done === total) showProgress(done, total, perEpoch);
      return stopRequested;
    },
    onPoint: (p) => {
      state.points.push(p);
      chart.add(p);
      void predict();
    },
    yieldToBrowser,
  });
  showProgress(state.steps, state.totalSteps, perEpoch);
  state.status = outcome;
  const last = state.points[state.points.length - 1];
  setStatus(`${outcome === 'done' ? 'trained' : 'stopped'}: ${state.steps} mini-batches on ${BACKEND_NAMES[session.backend] ?? session.backend}, validation accuracy ${last ? (last.accuracy * 100).toFixed(1) : '?'}%. Draw a digit!`);
  setRunning(false);
}

// Classifies the drawing: one request at a time, and only the newest drawing once one finishes.
let drawing: Float32Array | null = null;
let classifying = false;
async function predict(): Promise<void> {
  if (classifying) return;
  classifying = true;
  try {
    let shown: Float32Array | null | undefined;
    while (shown !== drawing) {
      shown = drawing;
      if (!session || !shown) {
        state.probabilities = null;
        drawProbabilities($<SVGSVGElement>('bars'), null);
        $('prediction').textContent = session ? 'Draw a digit from 0 to 9 in the box.' : 'Train a network, then draw a digit from 0 to 9 in the box.';
        continue;
      }
      const p = await session.probabilities(shown);
      state.probabilities = Array.from(p);
      drawProbabilities($<SVGSVGElement>('bars'), p);
      const best = state.probabilities.indexOf(Math.max(...state.probabilities));
      $('prediction').innerHTML = `The network reads a <strong>${best}</strong> (${(p[best]! * 100).toFixed(0)}% sure).`;
    }
  } finally {
    classifying = false;
  }
}

const pad = new DigitPad($<HTMLCanvasElement>('pad'), $<HTMLCanvasElement>('preview'), (img) => { drawing = img; void predict(); });
$('clear').addEventListener('click', () => pad.clear());
drawProbabilities($<SVGSVGElement>('bars'), null);

function fail(e: unknown): void {
  state.status = 'failed';
  state.error = e instanceof Error ? e.message : String(e);
  setStatus(`failed: ${state.error}`, true);
  setRunning(false);
}
startButton.addEventListener('click', () => { train().catch(fail); });
stopButton.addEventListener('click', () => { stopRequested = true; });

(async () => {
  const res = await fetch('mnist-subset.bin');
  if (!res.ok) throw new Error(`could not load the MNIST images (mnist-subset.bin: HTTP ${res.status})`);
  data = decodeSubset(new Uint8Array(await res.arrayBuffer()));
  state.status = 'ready';
  $('progress-text').textContent = `${data.training.y.size.toLocaleString('en')} training and ${data.validation.y.size.toLocaleString('en')} validation images loaded`;
  setRunning(false);
  if (params.has('autostart')) await train();
})().catch(fail);
