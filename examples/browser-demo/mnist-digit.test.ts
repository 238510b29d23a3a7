import { describe, expect, it } from 'vitest';
import { loadMnist } from '@hypatia/nn/node';
import { mnistDigit, SIDE } from './mnist-digit.js';

/** The bounding box [x0, y0, x1, y1] of pixels above 0.5 in a 28x28 image. */
function box(img: Float32Array): number[] {
  let x0 = SIDE, y0 = SIDE, x1 = -1, y1 = -1;
  img.forEach((v, i) => {
    if (v <= 0.5) return;
    const x = i % SIDE, y = Math.floor(i / SIDE);
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  });
  return [x0, y0, x1, y1];
}

/** The largest difference between `a` and `b` shifted by (dx, dy), zeros coming in at the edges. */
function diffShifted(a: ArrayLike<number>, b: ArrayLike<number>, dx: number, dy: number): number {
  let worst = 0;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const sx = x - dx, sy = y - dy;
      const v = sx >= 0 && sx < SIDE && sy >= 0 && sy < SIDE ? b[sy * SIDE + sx]! : 0;
      worst = Math.max(worst, Math.abs(a[y * SIDE + x]! - v));
    }
  }
  return worst;
}

describe('a drawn digit prepared as MNIST', () => {
  it('is null when nothing was drawn', () => {
    expect(mnistDigit(new Float32Array(100 * 80), 100, 80)).toBeNull();
    // Faint antialiasing fringes alone are not a digit.
    expect(mnistDigit(new Float32Array(100 * 80).fill(0.04), 100, 80)).toBeNull();
  });

  it('scales the ink to a 20-pixel long side, keeps the aspect, and centres its mass', () => {
    // A solid bar 60 wide and 200 tall, far from the centre of a 300x250 pad.
    const w = 300, h = 250;
    const ink = new Float32Array(w * h);
    for (let y = 30; y < 230; y++) for (let x = 200; x < 260; x++) ink[y * w + x] = 1;
    const img = mnistDigit(ink, w, h)!;
    expect(img).toHaveLength(784);
    const [x0, y0, x1, y1] = box(img);
    expect(y1! - y0! + 1).toBe(20);
    expect(x1! - x0! + 1).toBe(6);
    // Centre of mass at (14, 14) in pixel-centre coordinates, to within the whole-pixel shift.
    let m = 0, mx = 0, my = 0;
    img.forEach((v, i) => { m += v; mx += v * ((i % SIDE) + 0.5); my += v * (Math.floor(i / SIDE) + 0.5); });
    expect(Math.abs(mx / m - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(my / m - 14)).toBeLessThanOrEqual(0.5);
    // Solid ink stays solid; the total ink is the area of the box.
    expect(m).toBeCloseTo(20 * 6, 3);
  });

  it('gives back MNIST digits blown up tenfold and moved across a pad', () => {
    const { training } = loadMnist({ limit: 50 });
    let matched = 0;
    for (let k = 0; k < 50; k++) {
      const digit = training.x.data.subarray(k * 784, (k + 1) * 784);
      const W = 320, ox = 3 + k, oy = (7 * k) % 37;
      const pad = new Float32Array(W * W);
      for (let y = 0; y < 280; y++) for (let x = 0; x < 280; x++) pad[(y + oy) * W + x + ox] = digit[Math.floor(y / 10) * SIDE + Math.floor(x / 10)]!;
      const img = mnistDigit(pad, W, W)!;
      // MNIST rounded its centring shifts too, and some digits' boxes are not 20 pixels long: most
      // come back within one pixel's shift, nearly unchanged (faint fringes may fall under the ink threshold).
      const best = Math.min(...[-1, 0, 1].flatMap((dx) => [-1, 0, 1].map((dy) => diffShifted(img, digit, dx, dy))));
      if (best < 0.05) matched++;
    }
    expect(matched).toBeGreaterThanOrEqual(40);
  });
});
