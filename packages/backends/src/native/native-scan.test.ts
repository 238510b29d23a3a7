import { describe } from 'vitest';
import { NativeBackend } from './native-backend.js';
import { testCacheDir } from './testing/test-cache-dir.js';
import { scanLoopCases } from '../testing/scan-loop-cases.js';

describe('native backend runs scan as one loop in the replayed plan', () => {
  scanLoopCases({
    options: (replay = true) => ({ backend: new NativeBackend(), backendOptions: { cacheDir: testCacheDir(), replay } }),
    oneCall: 'one native call',
    language: 'C',
    loopDescribed: /: loop scan\{.*run as one loop in the replayed plan/,
    replayDescribed: /replay: \d+ instructions in one native call/,
  });
});
