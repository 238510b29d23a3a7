import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildDemo } from './build.js';
import { servePage, type ServedPage } from './serve.js';
import { chromiumMissing, launchChromium } from './chromium.js';
import { decodePng, countColour } from './screenshot-pixels.js';
import { ACCURACY_COLOUR, COST_COLOUR } from './chart.js';
import { TOP_COLOUR } from './probability-bars.js';

/**
 * End to end, as a person would use the demo: build it, serve it from localhost, open it in
 * Debian's headless Chromium with WebGPU (on SwiftShader) and without, pick the shallow network,
 * train it for 200 mini-batches, draw a 7 with the mouse, and check the screenshot: the chart's
 * lines and the probability bars are drawn. Outside CI a machine without Chromium or
 * playwright-core skips with a line saying why; under CI=true it fails.
 * HYPATIA_SCREENSHOTS=dir keeps the screenshots.
 */
const missing = await chromiumMissing();
if (missing) {
  if (process.env.CI === 'true') throw new Error(`browser demo end-to-end test cannot run: ${missing}`);
  console.warn(`browser demo end-to-end test skipped: ${missing}`);
}

interface DemoState {
  status: string; backend: string | null; notices: string[]; steps: number; totalSteps: number;
  points: { batches: number; cost: number | null; accuracy: number }[]; probabilities: number[] | null; error: string | null;
}
const demoState = (page: Page) => page.evaluate(() => (window as unknown as { hypatia: DemoState }).hypatia);

async function waitFor(page: Page, done: (s: DemoState) => boolean, seconds: number): Promise<DemoState> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const s = await demoState(page);
    if (done(s) || s.status === 'failed' || Date.now() > deadline) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Turn { status: string; steps: number; points: number }

/**
 * From now until training ends, notes where training stands each time the page's thread runs
 * another task. On 'message' the note waits on a MessageChannel: posted messages run in order, so
 * it is queued ahead of the message training yields with and runs at every turn training gives
 * the page; while the page idles it runs back to back, so only where training keeps the thread
 * busy (WebAssembly). On 'timer' it waits on a timer instead, at most a few hundred times a second
 * (under WebGPU, where the page waits on the GPU and spinning would slow it several times over).
 */
async function recordTurns(page: Page, queue: 'message' | 'timer'): Promise<void> {
  await page.evaluate((queue) => {
    const w = window as unknown as { hypatia: DemoState; turns: Turn[] };
    w.turns = [];
    const channel = new MessageChannel();
    const note = () => {
      const { status, steps, points } = w.hypatia;
      w.turns.push({ status, steps, points: points.length });
      if (status === 'done' || status === 'stopped' || status === 'failed') return;
      if (queue === 'message') channel.port2.postMessage(0);
      else setTimeout(note, 1);
    };
    channel.port1.onmessage = note;
    note();
  }, queue);
}

/** A 7 drawn with the mouse on the pad: the top bar, then the stem down to the lower left. */
async function drawSeven(page: Page): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  const at = (x: number, y: number): [number, number] => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(0.25, 0.2));
  await page.mouse.down();
  for (const [x, y] of [[0.75, 0.2], [0.6, 0.5], [0.48, 0.82]] as const) await page.mouse.move(...at(x, y), { steps: 10 });
  await page.mouse.up();
}

async function shot(page: Page, selector: string, name: string) {
  const png = await page.locator(selector).screenshot();
  if (process.env.HYPATIA_SCREENSHOTS) {
    mkdirSync(process.env.HYPATIA_SCREENSHOTS, { recursive: true });
    writeFileSync(join(process.env.HYPATIA_SCREENSHOTS, `${name}.png`), png);
  }
  return decodePng(png);
}

describe.runIf(!missing)('the browser demo', () => {
  let dir = '';
  let server: ServedPage;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hypatia-browser-demo-'));
    await buildDemo(dir, { nTrain: 2000, nValidation: 200 });
    server = await servePage(dir);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const webgpu of [false, true]) {
    const where = webgpu ? 'with WebGPU (SwiftShader)' : 'without WebGPU';
    it(`${where}: trains the shallow net with a live chart, then reads a digit drawn with the mouse`, async () => {
      const browser = await launchChromium({ webgpu });
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${server.url}?evalEvery=50`);
        expect((await waitFor(page, (s) => s.status === 'ready', 20)).status).toBe('ready');
        expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);

        const bars0 = await shot(page, '#bars', `${webgpu ? 'webgpu' : 'wasm'}-bars-before`);
        expect(countColour(bars0, TOP_COLOUR).pixels).toBe(0);

        await page.selectOption('#network', 'shallow');
        await page.selectOption('#backend', 'auto');
        await page.fill('#epochs', '1');
        await page.fill('#eta', '0.5');
        await recordTurns(page, webgpu ? 'timer' : 'message');
        await page.click('#start');
        const state = await waitFor(page, (s) => s.status === 'done', 80);
        expect(errors).toEqual([]);
        expect(state.error).toBeNull();
        expect(state.status).toBe('done');
        // The page had turns while it trained; on WebAssembly, where training holds the page's thread,
        // one right after each chart point, so the chart grows on screen even when the 200
        // mini-batches take a tenth of a second.
        const turns = await page.evaluate(() => (window as unknown as { turns: Turn[] }).turns);
        expect(turns.some((t) => t.status === 'training' && t.steps > 0 && t.steps < state.totalSteps)).toBe(true);
        if (!webgpu) {
          for (const [k, point] of state.points.entries()) {
            if (point.batches === 0 || point.batches === state.totalSteps) continue;
            expect(turns.some((t) => t.status === 'training' && t.steps === point.batches && t.points === k + 1), `a turn right after the point at ${point.batches}`).toBe(true);
          }
        }
        expect(state.backend).toBe(webgpu ? 'webgpu' : 'wasm');
        if (webgpu) {
          expect(state.notices.some((n) => /no WebGPU/.test(n))).toBe(false);
        } else {
          // Told in a browser's terms why WebGPU is not used, and once how many threads WebAssembly runs on.
          expect(state.notices.filter((n) => /no WebGPU, so the network trains with WebAssembly/.test(n))).toHaveLength(1);
          expect(state.notices.filter((n) => /^WebAssembly (runs on one thread|shares its larger kernels among \d+ threads)/.test(n))).toHaveLength(1);
          expect(await page.textContent('#notices')).toMatch(/no WebGPU/);
        }
        expect(state.steps).toBe(200);
        expect(await page.evaluate(() => (document.getElementById('progress') as HTMLProgressElement).position)).toBe(1);
        // A point before training and every 50 mini-batches: accuracy from chance to well above, cost down.
        expect(state.points.map((p) => p.batches)).toEqual([0, 50, 100, 150, 200]);
        expect(state.points[0]!.accuracy).toBeLessThan(0.25);
        expect(state.points[4]!.accuracy).toBeGreaterThan(0.6);
        expect(state.points[4]!.cost!).toBeLessThan(state.points[1]!.cost!);

        await drawSeven(page);
        const read = await waitFor(page, (s) => s.probabilities !== null, 20);
        const p = read.probabilities!;
        expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
        expect(p.indexOf(Math.max(...p))).toBe(7);
        expect(await page.textContent('#prediction')).toMatch(/reads a 7/);

        await page.screenshot({ path: process.env.HYPATIA_SCREENSHOTS ? join(process.env.HYPATIA_SCREENSHOTS, `${webgpu ? 'webgpu' : 'wasm'}-page.png`) : undefined, fullPage: true });
        // The chart: both lines drawn across most of the plot's width (the plot is ~4/5 of the chart).
        const chart = await shot(page, '#chart', `${webgpu ? 'webgpu' : 'wasm'}-chart`);
        for (const colour of [ACCURACY_COLOUR, COST_COLOUR]) {
          const { pixels, columns } = countColour(chart, colour);
          expect(pixels).toBeGreaterThan(400);
          expect(columns).toBeGreaterThan(chart.width * 0.6);
        }
        // The bars: the winning bar, 7's, stands at least half the bars' full height.
        const bars = await shot(page, '#bars', `${webgpu ? 'webgpu' : 'wasm'}-bars`);
        expect(countColour(bars, TOP_COLOUR).pixels).toBeGreaterThan(bars.width * bars.height * 0.02);

        if (!webgpu) {
          // Stop ends training between two mini-batches; the trained network still reads drawings.
          await page.fill('#epochs', '60'); // the most the page offers: 12,000 mini-batches, seconds even on WebAssembly
          await page.click('#start');
          await waitFor(page, (s) => s.status === 'training' && s.steps >= 20, 20);
          await page.click('#stop');
          const stopped = await waitFor(page, (s) => s.status === 'stopped', 20);
          expect(stopped.status).toBe('stopped');
          expect(stopped.steps).toBeLessThan(stopped.totalSteps);
          await page.click('#clear');
          await waitFor(page, (s) => s.probabilities === null, 10);
          expect(countColour(await shot(page, '#bars', 'wasm-bars-cleared'), TOP_COLOUR).pixels).toBe(0);
          await drawSeven(page);
          expect((await waitFor(page, (s) => s.probabilities !== null, 20)).probabilities).toHaveLength(10);
          expect(errors).toEqual([]);
        }
      } finally {
        await browser.close();
      }
    }, 120_000);
  }
});
