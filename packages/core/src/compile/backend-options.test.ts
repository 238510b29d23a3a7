import { describe, expect, it } from 'vitest';
import { nearestName } from './backend-options.js';

describe('backendOptions', () => {
  it('suggests the one valid name within a small edit distance, ignoring case', () => {
    expect(nearestName('thredas', ['threads', 'replay'])).toBe('threads');
    expect(nearestName('CacheDir', ['cacheDir', 'cc'])).toBe('cacheDir');
    expect(nearestName('flag', ['flags', 'cc'])).toBe('flags');
    expect(nearestName('c', ['cc', 'cx'])).toBeUndefined(); // two equally near
    expect(nearestName('verbose', ['threads', 'replay'])).toBeUndefined();
  });
});
