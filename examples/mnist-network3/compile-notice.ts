import { onNativeBuild } from '@hypatia/backends';

export const COMPILE_NOTICE = 'compiling native kernels (cached for later runs)…';

/**
 * Say once, when the C compiler first runs, that kernels are being compiled: a cold build of the
 * conv net takes seconds with nothing else on the screen. A cache hit runs no compiler and says
 * nothing. Returns the function that stops listening.
 */
export function announceNativeBuilds(say: (line: string) => void): () => void {
  const stop = onNativeBuild(() => {
    stop();
    say(COMPILE_NOTICE);
  });
  return stop;
}
