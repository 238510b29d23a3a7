import type { TypedArray } from '@hypatia/core';
import type { AxisGeometry } from './conv-geometry.js';

/** One image's spatial layout for im2col: channels, input size, kernel size, stride and padding. */
export interface PatchLayout {
  c: number;
  h: number;
  w: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  gh: AxisGeometry;
  gw: AxisGeometry;
}

/** The range of outputs o with 0 <= o * s - before + kOff < n: the ones that read inside the image. */
function validRange(out: number, s: number, before: number, kOff: number, n: number): [number, number] {
  const lo = Math.max(0, Math.ceil((before - kOff) / s));
  const hi = Math.min(out, Math.floor((n - 1 + before - kOff) / s) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * Walk the pairing between one image x[c, h, w] (at offset xo) and its columns cols[(c, i, j), co + (oh, ow)]
 * in a matrix with rows of length ld: each call pairs cols[col + t] with x[img + t * sw] for t < count.
 * Only positions inside the image are visited; padding has no image position.
 */
function forEachPatchRun(xo: number, L: PatchLayout, ld: number, co: number, visit: (col: number, img: number, count: number) => void): void {
  const { c, h, w, kh, kw, sh, sw, gh, gw } = L;
  const OH = gh.out, OW = gw.out;
  let row = 0;
  for (let ch = 0; ch < c; ch++) {
    const xc = xo + ch * h * w;
    for (let i = 0; i < kh; i++) {
      const [ohLo, ohHi] = validRange(OH, sh, gh.before, i, h);
      for (let j = 0; j < kw; j++, row++) {
        const base = row * ld + co;
        const [owLo, owHi] = validRange(OW, sw, gw.before, j, w);
        for (let oh = ohLo; oh < ohHi; oh++) {
          visit(base + oh * OW + owLo, xc + (oh * sh - gh.before + i) * w - gw.before + j + owLo * sw, owHi - owLo);
        }
      }
    }
  }
}

/**
 * Unfold one image x[c, h, w] (at offset xo) into cols[(c, i, j), co + (oh, ow)]: columns co to
 * co + OH*OW of a matrix with rows of length ld and c*kh*kw rows, whose product with the filters
 * [O, c*kh*kw] is the convolution. Several images side by side make one larger product. Padding reads as 0.
 */
export function im2col(x: TypedArray, xo: number, L: PatchLayout, cols: TypedArray, ld: number, co: number): void {
  const n = L.gh.out * L.gw.out, sw = L.sw;
  for (let row = 0; row < L.c * L.kh * L.kw; row++) cols.fill(0, row * ld + co, row * ld + co + n);
  forEachPatchRun(xo, L, ld, co, (col, img, count) => {
    for (let t = 0; t < count; t++) cols[col + t] = x[img + t * sw]!;
  });
}

/** The adjoint of im2col: add each column entry back into the image position it was read from. */
export function col2imAdd(cols: TypedArray, ld: number, co: number, L: PatchLayout, x: TypedArray, xo: number): void {
  const sw = L.sw;
  forEachPatchRun(xo, L, ld, co, (col, img, count) => {
    for (let t = 0; t < count; t++) x[img + t * sw] = x[img + t * sw]! + cols[col + t]!;
  });
}

/** Images per im2col batch: as many as keep the column matrix near 2^22 elements (16 MiB in float32). */
export function imagesPerBatch(L: PatchLayout, n: number): number {
  const perImage = L.c * L.kh * L.kw * L.gh.out * L.gw.out;
  return Math.max(1, Math.min(n, Math.floor((1 << 22) / Math.max(1, perImage))));
}

/** dst[o, b*P + p] = src[n0 + b, o, p]: a batch of [O, P] blocks side by side (and back with `back`). */
export function interleave(src: TypedArray, dst: TypedArray, n0: number, B: number, O: number, P: number, back = false): void {
  for (let b = 0; b < B; b++) {
    for (let o = 0; o < O; o++) {
      const s = ((n0 + b) * O + o) * P, d = o * B * P + b * P;
      if (back) src.set(dst.subarray(d, d + P), s);
      else dst.set(src.subarray(s, s + P), d);
    }
  }
}
