import { HypatiaError } from '@hypatia/core';

/** The WebGPU backend's compile options (compile({ backend: 'webgpu', backendOptions })). */
export interface WebGPUOptions {
  /**
   * Take a host copy of the updated shared variables after every k-th call (0: never), so that a
   * lost device leaves them at that call's values. The copy is queued after the call and mapped
   * asynchronously; a call never waits for it. Default 10.
   */
  hostMirrorEvery: number;
  /** Write elementwise updates into the variable's own buffer when safe (in-place.ts). Default true. */
  inPlace: boolean;
  /**
   * When a call that reads no output checks indices on the GPU: 'next-call' (default) reads the
   * flags asynchronously and the next call raises; 'every-call' waits for them, so the call itself
   * raises and its updates are never applied.
   */
  indexChecks: 'next-call' | 'every-call';
}

/** The backendOptions keys the WebGPU backend reads, one per field of WebGPUOptions. */
export const WEBGPU_OPTION_NAMES = ['hostMirrorEvery', 'inPlace', 'indexChecks'] as const satisfies readonly (keyof WebGPUOptions)[];

/** Reads only the declared names, so an option read here but not declared fails to type-check. */
export function parseWebGPUOptions(raw: Readonly<Partial<Record<(typeof WEBGPU_OPTION_NAMES)[number], unknown>>>, fn: string): WebGPUOptions {
  const bad = (key: keyof typeof raw, want: string): never => {
    throw new HypatiaError(fn, `backendOptions.${key} must be ${want}, got ${JSON.stringify(raw[key])}`);
  };
  const every = raw.hostMirrorEvery ?? 10;
  const hostMirrorEvery = every === false ? 0 : every;
  if (typeof hostMirrorEvery !== 'number' || !Number.isInteger(hostMirrorEvery) || hostMirrorEvery < 0) bad('hostMirrorEvery', 'a whole number of calls (0 or false: no host copies)');
  const inPlace = raw.inPlace ?? true;
  if (typeof inPlace !== 'boolean') bad('inPlace', 'true or false');
  const indexChecks = raw.indexChecks ?? 'next-call';
  if (indexChecks !== 'next-call' && indexChecks !== 'every-call') bad('indexChecks', "'next-call' or 'every-call'");
  return { hostMirrorEvery: hostMirrorEvery as number, inPlace: inPlace as boolean, indexChecks: indexChecks as WebGPUOptions['indexChecks'] };
}
