// A drawn digit as MNIST's images were made: the ink's bounding box scaled (aspect kept, area
// averaged) to fit 20x20, then placed in 28x28 so that its centre of mass is the centre. A network
// trained on MNIST only recognises digits prepared this way.

export const SIDE = 28;
const BOX = 20;
/** Ink fainter than this does not count towards the bounding box (antialiasing fringes). */
const INK = 0.05;

/**
 * `ink` is a width x height grid of intensities in [0, 1] (1 = full ink), row-major. Returns the
 * 784 pixels in [0, 1] (row-major 28x28), or null when nothing was drawn.
 */
export function mnistDigit(ink: ArrayLike<number>, width: number, height: number): Float32Array | null {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! > INK) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
  const scale = BOX / Math.max(bw, bh);
  const fw = Math.max(1, Math.round(bw * scale)), fh = Math.max(1, Math.round(bh * scale));
  const fitted = resampleArea(ink, width, x0, y0, bw, bh, fw, fh);

  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) {
      const v = fitted[y * fw + x]!;
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  // Whole-pixel shifts, as MNIST's; a shift past the edge clips the ink there.
  const dx = Math.round(SIDE / 2 - mx / mass), dy = Math.round(SIDE / 2 - my / mass);
  const out = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < fh; y++) {
    const ty = y + dy;
    if (ty < 0 || ty >= SIDE) continue;
    for (let x = 0; x < fw; x++) {
      const tx = x + dx;
      if (tx >= 0 && tx < SIDE) out[ty * SIDE + tx] = Math.min(1, fitted[y * fw + x]!);
    }
  }
  return out;
}

/** The source rectangle (sx, sy, sw, sh) of a grid `stride` wide resampled to dw x dh by area averaging. */
function resampleArea(src: ArrayLike<number>, stride: number, sx: number, sy: number, sw: number, sh: number, dw: number, dh: number): Float32Array {
  const cols = coverage(sw, dw), rows = coverage(sh, dh);
  const out = new Float32Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    for (const [sy1, wy] of rows[y]!) {
      const rowAt = (sy + sy1) * stride + sx;
      for (let x = 0; x < dw; x++) {
        let acc = 0;
        for (const [sx1, wx] of cols[x]!) acc += src[rowAt + sx1]! * wx;
        out[y * dw + x] += acc * wy;
      }
    }
  }
  return out;
}

/** For each of `dst` cells, the source cells it covers and their weights (summing to 1). */
function coverage(src: number, dst: number): [number, number][][] {
  const step = src / dst;
  const cells: [number, number][][] = [];
  for (let d = 0; d < dst; d++) {
    const a = d * step, b = (d + 1) * step;
    const parts: [number, number][] = [];
    for (let s = Math.floor(a); s < Math.min(src, Math.ceil(b)); s++) {
      const w = Math.min(b, s + 1) - Math.max(a, s);
      if (w > 0) parts.push([s, w / step]);
    }
    cells.push(parts);
  }
  return cells;
}
