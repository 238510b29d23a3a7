import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPage } from './build.js';
import { servePage } from './serve.js';

/**
 * End to end: build the page, serve it from localhost, open it in Debian's headless Chromium with
 * WebGPU on SwiftShader, and watch the shallow net's test accuracy rise. Outside CI a machine
 * without Chromium or playwright-core skips with a line saying why; under CI=true it fails.
 */
const CHROMIUM = process.env.HYPATIA_CHROMIUM ?? '/usr/bin/chromium';
const playwright = await import('playwright-core').catch(() => null);
const missing = !playwright ? 'playwright-core is not installed' : !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : null;
if (missing) {
  if (process.env.CI === 'true') throw new Error(`webgpu-browser end-to-end test cannot run: ${missing}`);
  console.warn(`webgpu-browser end-to-end test skipped: ${missing}`);
}

// WebGPU is behind flags in Linux Chromium; Vulkan finds SwiftShader when no GPU is present.
const FLAGS = [
  '--no-sandbox', '--enable-unsafe-webgpu', '--disable-gpu-sandbox', '--enable-features=Vulkan', '--use-angle=swiftshader',
  '--disable-background-networking', '--disable-component-update', '--no-first-run',
];

interface PageState { status: string; device: string; accuracies: number[]; steps: number; error: string | null }

describe.runIf(!missing)('webgpu browser page', () => {
  let dir = '';
  let server: Awaited<ReturnType<typeof servePage>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hypatia-webgpu-page-'));
    buildPage(dir, { nTrain: 500, nTest: 200 });
    server = await servePage(dir);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('trains the shallow net on WebGPU in headless Chromium and the accuracy rises', async () => {
    const browser = await playwright!.chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}index.html?epochs=1&eta=0.5`);
      // The page yields between steps, so it answers while it trains.
      let state: PageState | null = null;
      let answeredWhileTraining = false;
      const deadline = Date.now() + 400_000;
      while (Date.now() < deadline) {
        state = await page.evaluate(() => (window as unknown as { hypatia?: PageState }).hypatia ?? null);
        if (state?.status === 'training' && state.steps > 0) answeredWhileTraining = true;
        if (state?.status === 'done' || state?.status === 'failed') break;
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(errors).toEqual([]);
      expect(state?.error ?? null).toBeNull();
      expect(state?.status).toBe('done');
      expect(state!.device).toMatch(/\w/);
      expect(answeredWhileTraining).toBe(true);
      const [before, after] = state!.accuracies;
      // Untrained: about chance (10%); 50 steps of 10 images at eta 0.5 lift it well above.
      expect(before!).toBeLessThan(0.25);
      expect(after!).toBeGreaterThan(before! + 0.15);
      expect(await page.textContent('#accuracy')).toMatch(/after epoch 1: \d/);
    } finally {
      await browser.close();
    }
  }, 480_000);
});
