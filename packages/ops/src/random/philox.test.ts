import { describe, expect, it } from 'vitest';
import { philox4x32 } from './philox.js';

const words = (s: string) => Uint32Array.from(s.trim().split(/\s+/).map((w) => parseInt(w, 16)));

describe('philox4x32', () => {
  // Random123 tests/kat_vectors, the three "philox4x32 10" lines: counter (4 words), key (2), expected (4).
  const kat = [
    ['00000000 00000000 00000000 00000000', '00000000 00000000', '6627e8d5 e169c58d bc57ac4c 9b00dbd8'],
    ['ffffffff ffffffff ffffffff ffffffff', 'ffffffff ffffffff', '408f276d 41c83b0e a20bc7c6 6d5451fd'],
    ['243f6a88 85a308d3 13198a2e 03707344', 'a4093822 299f31d0', 'd16cfe09 94fdcceb 5001e420 24126ea1'],
  ] as const;
  for (const [ctr, key, want] of kat) {
    it(`matches the known answer for counter ${ctr}, key ${key}`, () => {
      expect(Array.from(philox4x32(words(ctr), words(key)))).toEqual(Array.from(words(want)));
    });
  }

  it('does not modify its arguments', () => {
    const c = words('243f6a88 85a308d3 13198a2e 03707344');
    const k = words('a4093822 299f31d0');
    philox4x32(c, k);
    expect(Array.from(c)).toEqual(Array.from(words('243f6a88 85a308d3 13198a2e 03707344')));
    expect(Array.from(k)).toEqual(Array.from(words('a4093822 299f31d0')));
  });

  it('rejects counters and keys of the wrong length', () => {
    expect(() => philox4x32(new Uint32Array(3), new Uint32Array(2))).toThrow(/philox4x32: the counter has 4 words/);
    expect(() => philox4x32(new Uint32Array(4), new Uint32Array(4))).toThrow(/key 2/);
  });
});
