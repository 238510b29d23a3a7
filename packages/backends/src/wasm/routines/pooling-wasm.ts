import type { LaunchSignature } from '../function-module.js';
import type { SimdOp, WasmFunction } from '../wasm-encoder.js';
import type { PoolParams } from '@hypatia/ops/backend';
import { FunctionBuilder } from './function-builder.js';

/** The pooling routines: max pooling and its gradient, average pooling and its gradient. */
export type PoolKind = 'max' | 'max_grad' | 'avg' | 'avg_grad';

/** Buffers: x, y (max, avg); x, gy, gx (max_grad); gy, gx (avg_grad). Nine parameters (poolingRoutine). */
export function poolingSignature(kind: PoolKind, dtype: 'float32' | 'float64'): LaunchSignature {
  const reads = kind === 'max_grad' ? 2 : 1;
  return {
    name: `${kind}_pool_${dtype}`,
    nParams: 9,
    buffers: [...Array.from({ length: reads }, () => ({ dtype, access: 'read' as const })), { dtype, access: 'write' as const }],
  };
}

/**
 * The geometry the routines cover: no padding and ignoreBorder, so window i of an axis is
 * [i * stride, i * stride + window), inside the image; a gradient also needs stride >= window, so
 * each input element lies in at most one window and is written once.
 */
export function poolingCovers(p: PoolParams, grad: boolean): boolean {
  return p.ignoreBorder && p.padding.every((d) => d === 0) && (!grad || p.stride.every((s, i) => s >= p.window[i]!));
}

/** Byte lanes of i8x16.shuffle that take element lanes `lanes` (0..2L-1 over both operands) of E-byte elements. */
function elementShuffle(lanes: readonly number[], E: number): number[] {
  return lanes.flatMap((l) => Array.from({ length: E }, (_, b) => l * E + b));
}

/**
 * Pooling over the last two axes on regular windows: window (a, c) of an image is rows
 * [a * sh, a * sh + kh) and columns [c * sw, c * sw + kw), inside the image (no padding,
 * ignoreBorder); the gradients also need stride >= window, so each input element lies in at most
 * one window (steps/pooling.ts declines every other geometry, which runs the op's IR kernels).
 * Parameters: images, h, w, oh, ow, kh, kw, sh, sw.
 *
 * The results are the IR kernels' bits. Max pooling folds `v > best` over the window in
 * row-major order, a select of the bits (the first maximum wins; a NaN wins only as the window's
 * first element, and -0 against +0 keeps the first); its gradient writes 0 + gy (so -0 becomes
 * +0, as the IR kernels' sum from 0 does) at the winner and 0 everywhere else. Average pooling
 * sums in double in row-major order and multiplies by 1 / (kh * kw); its gradient writes
 * 0 + gy * (1 / (kh * kw)), in double, to every element of the window.
 *
 * 2x2 stride 2 max pooling and its gradient run four (float32) or two (float64) windows at a time
 * in SIMD128: the two rows' interleaved pairs split into each window's four elements by shuffles,
 * the fold as compares and bit selects, the gradient as the winner's bit masks over 0 + gy woven
 * back into the rows. The rest of a row, and every other geometry, runs one window at a time.
 */
export function poolingRoutine(kind: PoolKind, dtype: 'float32' | 'float64', exportName: string): WasmFunction {
  const E = dtype === 'float32' ? 4 : 8;
  const L = 16 / E;
  const S = dtype === 'float32' ? 'f32' : 'f64';
  const V = dtype === 'float32' ? 'f32x4' : 'f64x2';
  const grad = kind === 'max_grad' || kind === 'avg_grad';
  const max = kind === 'max' || kind === 'max_grad';
  const f = new FunctionBuilder();
  const c = f.c;
  const [m, h, w, oh, ow, kh, kw, sh, sw] = Array.from({ length: 9 }, (_, p) => f.param(p)) as [number, number, number, number, number, number, number, number, number];
  const nBuffers = kind === 'max_grad' ? 3 : 2;
  const buffers = Array.from({ length: nBuffers }, (_, b) => f.buffer(9, b));
  // X: the input image (not read by avg_grad); gp: the pooled element (y, or gy); O: the input's gradient image.
  const X = kind === 'avg_grad' ? -1 : buffers[0]!;
  const gp = kind === 'max_grad' ? buffers[1]! : kind === 'avg_grad' ? buffers[0]! : buffers[1]!;
  const O = grad ? buffers[nBuffers - 1]! : -1;
  const [rowBytes, imageBytes, img, a, col, i, j, p, q, at, end, gt, two, isTwo, o0] = Array.from({ length: 15 }, () => f.i32());
  const best = f.local(S);
  const v = f.local(S);
  const sum = f.local('f64');
  const scale = f.local('f64');
  const [v00, v01, v10, v11, b, m1, m2, m3, gb] = Array.from({ length: 9 }, () => f.local('v128'));
  const zero = () => (S === 'f32' ? c.f32Const(0) : c.f64Const(0));
  const load = (addr: () => void) => { addr(); c.memory(`${S}.load`); };
  const store = (addr: () => void, value: () => void) => { addr(); value(); c.memory(`${S}.store`); };
  const add = (l: number, bytes: () => void) => { c.localGet(l); bytes(); c.op('i32.add').localSet(l); };
  const vop = (o: string) => c.simd(`${V}.${o}` as SimdOp);

  c.localGet(w).i32Const(E).op('i32.mul').localSet(rowBytes);
  c.localGet(h).localGet(rowBytes).op('i32.mul').localSet(imageBytes);
  c.i32Const(2).localSet(two);
  c.f64Const(1).localGet(kh).op('f64.convert_i32_s').localGet(kw).op('f64.convert_i32_s').op('f64.mul').op('f64.div').localSet(scale);
  if (max) {
    c.localGet(kh).i32Const(2).op('i32.eq').localGet(kw).i32Const(2).op('i32.eq').op('i32.and')
      .localGet(sh).i32Const(2).op('i32.eq').op('i32.and').localGet(sw).i32Const(2).op('i32.eq').op('i32.and').localSet(isTwo);
  }

  /** Zeroes bytes [from, to) (both multiples of E): 16 at a time, then one element at a time. */
  const zeroBytes = (from: () => void, to: () => void) => {
    from(); c.localSet(q);
    to(); c.localSet(end);
    c.block().loop();
    c.localGet(q).i32Const(16).op('i32.add').localGet(end).op('i32.gt_u').brIf(1);
    c.localGet(q).i32x4Const(0).simdMemory('v128.store');
    add(q, () => c.i32Const(16));
    c.br(0);
    c.end().end();
    c.block().loop();
    c.localGet(q).localGet(end).op('i32.ge_u').brIf(1);
    store(() => c.localGet(q), zero);
    add(q, () => c.i32Const(E));
    c.br(0);
    c.end().end();
  };

  /**
   * The window whose top-left element is at `p`, kRows x kCols: its maximum into `best` (and the
   * winner's address into `at` for the gradient), by the fold `v > best` from the first element,
   * which compared with itself changes nothing (not even a NaN); or its sum in double into `sum`.
   */
  const foldWindow = (kRows: number, kCols: number) => {
    if (max) {
      load(() => c.localGet(p)); c.localSet(best);
      if (grad) c.localGet(p).localSet(at);
    } else {
      c.f64Const(0).localSet(sum);
    }
    f.forRange(i, () => c.i32Const(0), kRows, 1, () => {
      c.localGet(p).localGet(i).localGet(rowBytes).op('i32.mul').op('i32.add').localSet(q);
      f.forRange(j, () => c.i32Const(0), kCols, 1, () => {
        load(() => c.localGet(q)); c.localSet(v);
        if (max) {
          c.localGet(v).localGet(best).op(`${S}.gt`).localSet(gt);
          c.localGet(v).localGet(best).localGet(gt).op('select').localSet(best);
          if (grad) c.localGet(q).localGet(at).localGet(gt).op('select').localSet(at);
        } else {
          c.localGet(sum).localGet(v);
          if (S === 'f32') c.op('f64.promote_f32');
          c.op('f64.add').localSet(sum);
        }
        add(q, () => c.i32Const(E));
      });
    });
  };

  /** What a gradient writes from gy at `gp`: 0 + gy (max), or 0 + gy * scale in double (avg). */
  const gradValue = () => {
    if (max) {
      zero(); load(() => c.localGet(gp)); c.op(`${S}.add`);
    } else {
      c.f64Const(0);
      load(() => c.localGet(gp));
      if (S === 'f32') c.op('f64.promote_f32');
      c.localGet(scale).op('f64.mul').op('f64.add');
      if (S === 'f32') c.op('f32.demote_f64');
    }
  };

  /** Stores `value` at every element of the kRows x kCols window of the gradient whose top-left is at `p`. */
  const fillWindow = (kRows: number, kCols: number, value: () => void) => {
    f.forRange(i, () => c.i32Const(0), kRows, 1, () => {
      c.localGet(p).localGet(i).localGet(rowBytes).op('i32.mul').op('i32.add').localSet(q);
      f.forRange(j, () => c.i32Const(0), kCols, 1, () => {
        store(() => c.localGet(q), value);
        add(q, () => c.i32Const(E));
      });
    });
  };

  /**
   * Pooled elements (a, col) for col from its current value to ow, one window at a time. A max
   * gradient's window is zeroed first when `zeroWindow` (the image was not).
   */
  const oneAtATime = (kRows: number, kCols: number, zeroWindow: boolean) => {
    f.forRange(col, () => c.localGet(col), ow, 1, () => {
      c.localGet(kind === 'avg_grad' ? O : X).localGet(a).localGet(sh).op('i32.mul').localGet(rowBytes).op('i32.mul').op('i32.add')
        .localGet(col).localGet(sw).op('i32.mul').i32Const(E).op('i32.mul').op('i32.add').localSet(p);
      if (kind === 'avg_grad') {
        gradValue(); c.localSet(v);
        fillWindow(kRows, kCols, () => c.localGet(v));
      } else {
        foldWindow(kRows, kCols);
        if (kind === 'max') store(() => c.localGet(gp), () => c.localGet(best));
        else if (kind === 'avg') store(() => c.localGet(gp), () => { c.localGet(sum).localGet(scale).op('f64.mul'); if (S === 'f32') c.op('f32.demote_f64'); });
        else {
          // The winner's offset in the image, in the gradient.
          if (zeroWindow) {
            c.localGet(p).localGet(X).op('i32.sub').localGet(O).op('i32.add').localSet(p);
            fillWindow(kRows, kCols, zero);
          }
          store(() => c.localGet(at).localGet(X).op('i32.sub').localGet(O).op('i32.add'), gradValue);
        }
      }
      add(gp, () => c.i32Const(E));
    });
  };

  const even = elementShuffle(Array.from({ length: L }, (_, l) => 2 * l), E);
  const odd = elementShuffle(Array.from({ length: L }, (_, l) => 2 * l + 1), E);
  const lo = elementShuffle(Array.from({ length: L }, (_, l) => (l >> 1) + (l & 1) * L), E);
  const hi = elementShuffle(Array.from({ length: L }, (_, l) => (l >> 1) + L / 2 + (l & 1) * L), E);

  /**
   * L windows of 2x2 stride 2 from column `col` of the row pair at `o0` (an offset in the image):
   * each window's four elements split from the rows' interleaved pairs, the fold's masks m1..m3
   * (element 1, 2, 3 greater than the best before it) and b, the best of the first three.
   */
  const foldTwoByTwo = () => {
    for (const [row, evenL, oddL] of [[0, v00, v01], [1, v10, v11]] as const) {
      const addr = () => {
        c.localGet(X).localGet(o0).op('i32.add').localGet(col).i32Const(2 * E).op('i32.mul').op('i32.add');
        if (row) c.localGet(rowBytes).op('i32.add');
      };
      addr(); c.simdMemory('v128.load');
      addr(); c.simdMemory('v128.load', 16);
      c.shuffle(even).localSet(evenL);
      addr(); c.simdMemory('v128.load');
      addr(); c.simdMemory('v128.load', 16);
      c.shuffle(odd).localSet(oddL);
    }
    c.localGet(v01).localGet(v00); vop('gt'); c.localSet(m1);
    c.localGet(v01).localGet(v00).localGet(m1).simd('v128.bitselect').localSet(b);
    c.localGet(v10).localGet(b); vop('gt'); c.localSet(m2);
    c.localGet(v10).localGet(b).localGet(m2).simd('v128.bitselect').localSet(b);
    c.localGet(v11).localGet(b); vop('gt'); c.localSet(m3);
  };

  /** The gradient of L windows: 0 + gy as bits in the winner's lanes (gy * flag would turn inf * 0 into NaN), woven back into the two rows. */
  const storeTwoByTwoGrad = () => {
    c.i32x4Const(0).localGet(gp).simdMemory('v128.load'); vop('add'); c.localSet(gb);
    const at0 = () => c.localGet(O).localGet(o0).op('i32.add').localGet(col).i32Const(2 * E).op('i32.mul').op('i32.add');
    // k0 (into v00) .. k3 (into v11): the lanes where element 0 .. 3 wins.
    c.localGet(gb).localGet(m1).simd('v128.andnot').localGet(m2).simd('v128.andnot').localGet(m3).simd('v128.andnot').localSet(v00);
    c.localGet(gb).localGet(m1).simd('v128.and').localGet(m2).simd('v128.andnot').localGet(m3).simd('v128.andnot').localSet(v01);
    c.localGet(gb).localGet(m2).simd('v128.and').localGet(m3).simd('v128.andnot').localSet(v10);
    c.localGet(gb).localGet(m3).simd('v128.and').localSet(v11);
    for (const [row, first, second] of [[0, v00, v01], [1, v10, v11]] as const) {
      const addr = () => { at0(); if (row) c.localGet(rowBytes).op('i32.add'); };
      addr(); c.localGet(first).localGet(second).shuffle(lo).simdMemory('v128.store');
      addr(); c.localGet(first).localGet(second).shuffle(hi).simdMemory('v128.store', 16);
    }
  };

  f.forRange(img, () => c.i32Const(0), m, 1, () => {
    const general = () => {
      if (grad) zeroBytes(() => c.localGet(O), () => c.localGet(O).localGet(imageBytes).op('i32.add'));
      f.forRange(a, () => c.i32Const(0), oh, 1, () => {
        c.i32Const(0).localSet(col);
        oneAtATime(kh, kw, false);
      });
    };
    if (max) {
      c.localGet(isTwo).if();
      f.forRange(a, () => c.i32Const(0), oh, 1, () => {
        c.localGet(a).i32Const(2).op('i32.mul').localGet(rowBytes).op('i32.mul').localSet(o0);
        c.i32Const(0).localSet(col);
        c.block().loop();
        c.localGet(col).i32Const(L).op('i32.add').localGet(ow).op('i32.gt_s').brIf(1);
        foldTwoByTwo();
        if (grad) storeTwoByTwoGrad();
        else c.localGet(gp).localGet(v11).localGet(b).localGet(m3).simd('v128.bitselect').simdMemory('v128.store');
        add(gp, () => c.i32Const(16));
        add(col, () => c.i32Const(L));
        c.br(0);
        c.end().end();
        oneAtATime(two, two, true);
        if (grad) {
          // Columns past the last window, in both rows.
          for (const row of [0, 1]) {
            const rowAt = () => { c.localGet(O).localGet(o0).op('i32.add'); if (row) c.localGet(rowBytes).op('i32.add'); };
            zeroBytes(() => { rowAt(); c.localGet(ow).i32Const(2 * E).op('i32.mul').op('i32.add'); }, () => { rowAt(); c.localGet(rowBytes).op('i32.add'); });
          }
        }
      });
      // Rows past the last window.
      if (grad) zeroBytes(() => c.localGet(O).localGet(oh).i32Const(2).op('i32.mul').localGet(rowBytes).op('i32.mul').op('i32.add'), () => c.localGet(O).localGet(imageBytes).op('i32.add'));
      c.else();
      general();
      c.end();
    } else {
      general();
    }
    if (X >= 0) add(X, () => c.localGet(imageBytes));
    if (O >= 0) add(O, () => c.localGet(imageBytes));
  });
  return f.finish(exportName);
}
