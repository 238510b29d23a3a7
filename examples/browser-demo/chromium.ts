// Headless Chromium for the demo's tests and the browser benchmark: Debian's chromium
// (/usr/bin/chromium, or $HYPATIA_CHROMIUM) driven by playwright-core, which brings no browser.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.HYPATIA_CHROMIUM ?? '/usr/bin/chromium';
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Nothing reaches out to the network, and no first-run or background work competes with the page. */
const QUIET = [
  '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-renderer-backgrounding',
];
/** WebGPU is behind flags in Linux Chromium; with no GPU, Vulkan finds SwiftShader (Vulkan on the CPU). */
const WEBGPU = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader', '--disable-gpu-sandbox'];

/** Why Chromium cannot be driven here, or null when it can. */
export async function chromiumMissing(): Promise<string | null> {
  if (!(await import('playwright-core').catch(() => null))) return 'playwright-core is not installed';
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (Debian: apt-get install chromium)`;
  return null;
}

/** A headless Chromium (playwright gives it a fresh profile), with WebGPU on SwiftShader or without WebGPU. */
export async function launchChromium(options: { webgpu: boolean }): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const env: Record<string, string> = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  if (options.webgpu && !env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  return chromium.launch({
    executablePath: CHROMIUM, headless: true, env,
    args: [...QUIET, ...(options.webgpu ? WEBGPU : ['--disable-gpu'])],
  });
}
