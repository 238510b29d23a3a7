import { describe, expect, it } from 'vitest';
import { ProgressBar, formatSeconds } from './progress-bar.js';

describe('ProgressBar', () => {
  it('redraws one line in place with a count and an ETA, and ends it', () => {
    let out = '';
    const bar = new ProgressBar({ write: (s: string) => { out += s; }, columns: 200 }, 4, 'epoch 1/2');
    bar.update(4, 'cost 0.5');
    bar.finish();
    expect(out.startsWith('\r')).toBe(true);
    expect(out).toMatch(/epoch 1\/2 \[#{24}\] 100% 4\/4 00:00 ETA 00:00 cost 0\.5/);
    expect(out.endsWith('\n')).toBe(true);
  });
  it('formats durations', () => {
    expect(formatSeconds(75)).toBe('01:15');
    expect(formatSeconds(3 * 3600 + 120)).toBe('3h02m');
    expect(formatSeconds(NaN)).toBe('--:--');
  });
});
