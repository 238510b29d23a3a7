import { HypatiaError } from '@hypatia/core';

/**
 * The backendOptions the wasm backend reads (docs/wasm-backend.md, "Options"): `replay` (false
 * keeps the JS executor for every call; also HYPATIA_WASM_REPLAY=0), `spans` (false prints every
 * innermost loop one point at a time instead of in SIMD lanes; also HYPATIA_WASM_SPANS=0) and
 * `threads` (worker threads sharing a kernel's points, process-wide once set; 1 runs everything on
 * the calling thread).
 */
export const WASM_OPTION_NAMES = ['replay', 'spans', 'threads'] as const;

export type WasmOptionName = (typeof WASM_OPTION_NAMES)[number];

export interface WasmOptions {
  replay: boolean;
  spans: boolean;
  threads: number | undefined;
}

/** Reads only the declared names; `fn` names the compiled function in errors. */
export function parseWasmOptions(raw: Readonly<Partial<Record<WasmOptionName, unknown>>>, fn: string): WasmOptions {
  const env = (name: string) => (typeof process !== 'undefined' ? process.env?.[name] : undefined);
  const replay = raw.replay ?? env('HYPATIA_WASM_REPLAY') !== '0';
  if (typeof replay !== 'boolean') throw new HypatiaError(fn, `backendOptions.replay must be true or false, got ${JSON.stringify(raw.replay)}`);
  const spans = raw.spans ?? env('HYPATIA_WASM_SPANS') !== '0';
  if (typeof spans !== 'boolean') throw new HypatiaError(fn, `backendOptions.spans must be true or false, got ${JSON.stringify(raw.spans)}`);
  const threads = raw.threads;
  if (threads !== undefined && (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1)) {
    throw new HypatiaError(fn, `backendOptions.threads must be a whole number of threads, at least 1, got ${JSON.stringify(threads)}`);
  }
  return { replay, spans, threads: threads as number | undefined };
}
