import { I, KernelBuilder, broadcastStrides, collapseAxes, shapeSize, stridesOf, type Buf, type Idx, type Kernel } from '@hypatia/core';

/**
 * The iteration space of integer-array indexing, shared by its kernels (advanced_subtensor, its
 * inc/set scatter, last_write_mask): x's axes before the indexed ones ("outer"), the index arrays'
 * broadcast shape ("picked"), x's axes after them ("inner"). At a point, index array j gives the
 * position on x's axis `axis + j` (negative ones counted from the end, checked in range); x's
 * element is the outer, indexed and inner offsets added up.
 *
 * Parameters, in order: the extents (outer, picked, inner); x's strides on the outer and inner
 * axes; for each index array its axis length, x's stride on that axis and its broadcast strides
 * over the picked axes; for each other operand its strides over the whole space.
 */
export interface IndexRanks {
  readonly outer: number;
  readonly picked: number;
  readonly inner: number;
}

export interface IndexSpace {
  /** The space's variables, outer then picked then inner. */
  readonly vars: readonly Idx[];
  /** x's element at the point (after the checks on the index values). */
  readonly xAt: Idx;
  /** Each other operand's element at the point. */
  readonly at: readonly Idx[];
}

/** Declares the parameters and space on `k`, and checks every index value the point reads. */
export function indexSpace(k: KernelBuilder, idx: readonly Buf[], ranks: IndexRanks, operands: number): IndexSpace {
  const extents = k.params(ranks.outer + ranks.picked + ranks.inner);
  const xOuter = k.params(ranks.outer);
  const xInner = k.params(ranks.inner);
  const arrays = idx.map(() => ({ len: k.param(), stride: k.param(), strides: k.params(ranks.picked) }));
  const others = Array.from({ length: operands }, () => k.params(extents.length));
  const vars = k.space(...extents);
  const outer = vars.slice(0, ranks.outer);
  const picked = vars.slice(ranks.outer, ranks.outer + ranks.picked);
  const inner = vars.slice(ranks.outer + ranks.picked);
  let xAt = I.add(I.strided(outer, xOuter), I.strided(inner, xInner));
  arrays.forEach((a, j) => {
    const position = I.wrap(idx[j]!.read(I.strided(picked, a.strides)), a.len);
    k.check(I.within(position, 0, a.len));
    xAt = I.add(xAt, I.mul(position, a.stride));
  });
  return { vars, xAt, at: others.map((s) => I.strided(vars, s)) };
}

/** The run-time geometry of one call: x's shape and the operands' strides over the whole space. */
export interface IndexGeometry {
  /** x's shape (for last_write_mask: the indexed axes only, with axis 0). */
  readonly xShape: readonly number[];
  readonly axis: number;
  readonly idxShapes: readonly (readonly number[])[];
  /** The index arrays' broadcast shape (checked by the caller, with the op's error). */
  readonly picked: readonly number[];
  /** Other operands' strides over outer + picked + inner axes. */
  readonly operands: readonly (readonly number[])[];
  /** x's strides on the indexed axes, when not its own row-major ones. */
  readonly indexStrides?: readonly number[];
}

/** The parameters of indexSpace for one call, each group's axes merged where every operand is contiguous across them. */
export function indexSpaceParams(g: IndexGeometry): number[] {
  const k = g.idxShapes.length;
  const xStrides = stridesOf(g.xShape);
  const outerShape = g.xShape.slice(0, g.axis);
  const innerShape = g.xShape.slice(g.axis + k);
  const [nO, nP] = [outerShape.length, g.picked.length];
  const group = (from: number, to: number) => g.operands.map((s) => s.slice(from, to));
  const outer = collapseAxes(outerShape, [xStrides.slice(0, g.axis), ...group(0, nO)]);
  const picked = collapseAxes(g.picked, [...g.idxShapes.map((s) => broadcastStrides(s, g.picked)), ...group(nO, nO + nP)]);
  const inner = collapseAxes(innerShape, [xStrides.slice(g.axis + k), ...group(nO + nP, nO + nP + innerShape.length)]);
  return [
    ...outer.shape, ...picked.shape, ...inner.shape,
    ...outer.strides[0]!, ...inner.strides[0]!,
    ...g.idxShapes.flatMap((_, j) => [g.xShape[g.axis + j]!, g.indexStrides?.[j] ?? xStrides[g.axis + j]!, ...picked.strides[j]!]),
    ...g.operands.flatMap((_, e) => [...outer.strides[1 + e]!, ...picked.strides[k + e]!, ...inner.strides[1 + e]!]),
  ];
}

/**
 * A kernel that only checks the index values, over the picked axes: perform rejects a bad index
 * even when x's other axes are empty and no element is copied, so the plan launches it then.
 */
export function indexCheckKernel(name: string, nArrays: number, pickedRank: number): Kernel {
  const k = new KernelBuilder(name);
  const idx = Array.from({ length: nArrays }, () => k.input('int32'));
  indexSpace(k, idx, { outer: 0, picked: pickedRank, inner: 0 }, 0);
  return k.build();
}

/** The parameters of indexCheckKernel: the indexed axes of x alone. */
export function indexCheckParams(g: IndexGeometry): number[] {
  return indexSpaceParams({ xShape: g.xShape.slice(g.axis, g.axis + g.idxShapes.length), axis: 0, idxShapes: g.idxShapes, picked: g.picked, operands: [] });
}

/** Whether x's outer and inner axes hold no element while the index arrays pick some: only the check kernel sees the indices then. */
export function onlyChecks(g: IndexGeometry): boolean {
  const k = g.idxShapes.length;
  return shapeSize(g.picked) > 0 && shapeSize(g.xShape.slice(0, g.axis)) * shapeSize(g.xShape.slice(g.axis + k)) === 0;
}
