import { describe, expect, it } from 'vitest';
import { ForkBackoff } from './fork-backoff.js';

describe('when a kernel’s launches are shared between threads', () => {
  it('shares every launch while the workers keep up, without reading the clock', () => {
    const b = new ForkBackoff();
    const clock = () => expect.fail('the clock was read');
    for (let i = 0; i < 5; i++) {
      expect(b.share(0, clock)).toBe(true);
      b.record(0, 2, 10, 9, 100 * i);
    }
  });

  it('after a loss, runs the kernel whole for 64 · 2^b times the time it wasted, b up with each loss and down with each win; kernels apart', () => {
    const b = new ForkBackoff();
    let t = 0;
    const clock = () => t;
    // Its share took 10, the wait 11: 1 wasted, on two threads.
    b.record(3, 2, 10, 11, 1000);
    expect(b.share(0, clock)).toBe(true);
    for (t = 1000; t < 1128; t += 8) expect(b.share(3, clock)).toBe(false);
    t = 1128;
    expect(b.share(3, clock)).toBe(true);
    b.record(3, 2, 10, 12, 2000);
    t = 2000 + 64 * 4 * 2 - 1;
    expect(b.share(3, clock)).toBe(false);
    t += 1;
    expect(b.share(3, clock)).toBe(true);
    // On four threads the other three shares would take 30: a wait of 25 is a win, and the next loss holds for 64 · 4 · wasted.
    b.record(3, 4, 10, 25, 3000);
    expect(b.share(3, clock)).toBe(true);
    b.record(3, 2, 10, 15, 4000);
    t = 4000 + 64 * 4 * 5 - 1;
    expect(b.share(3, clock)).toBe(false);
    t += 1;
    expect(b.share(3, clock)).toBe(true);
  });

  it('holds for at most 64 · 1024 times the waste, however many losses', () => {
    const b = new ForkBackoff();
    for (let i = 0; i < 20; i++) b.record(1, 2, 1, 2, 0);
    expect(b.share(1, () => 64 * 1024 - 1)).toBe(false);
    expect(b.share(1, () => 64 * 1024)).toBe(true);
  });
});
