import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Tests build into their own cache, so they never touch the user's ~/.cache/hypatia. */
export function testCacheDir(): string {
  return process.env.HYPATIA_CACHE_DIR ?? join(tmpdir(), 'hypatia-test-cache');
}
