import { E, I, KernelBuilder, shapeSize, stridesOf, type Apply, type BufferRef, type DType, type KernelProgram, type Launch } from '@hypatia/core';
import { indexCheckKernel, indexCheckParams, indexSpace, indexSpaceParams, onlyChecks, type IndexGeometry, type IndexRanks } from './index-space.js';
import { indexShape } from './index-arrays.js';
import { stridedCopyKernel, stridedCopyLaunch } from '../shape/copy-kernels.js';
import { valueStrides } from '../shape/broadcast-into.js';

/**
 * The kernels of integer-array indexing: the gather (advanced_subtensor), the scatter that adds or
 * writes (advanced_inc/set_subtensor) and the mask of last writes. Index values are checked in the
 * kernels; the index arrays' broadcast and the value's fit are checked by the plans, with the ops'
 * errors.
 */

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const inputs = (from: number, to: number): BufferRef[] => range(from, to).map((i) => ({ input: i }));

/** The ranks of the space for x (input 0) indexed from `axis` by the node's index arrays (from input `firstIndex` on). */
function ranksOf(node: Apply, axis: number, firstIndex: number): IndexRanks {
  const idx = node.inputs.slice(firstIndex);
  return { outer: axis, picked: Math.max(...idx.map((v) => v.ndim)), inner: node.inputs[0]!.ndim - axis - idx.length };
}

/** x's outer axes, the picked ones, x's inner axes: the gathered result's shape, and the region a scatter writes. */
function spaceShape(xShape: readonly number[], axis: number, nIdx: number, picked: readonly number[]): number[] {
  return [...xShape.slice(0, axis), ...picked, ...xShape.slice(axis + nIdx)];
}

/** The launch that checks the indices alone, when the main space is empty but they pick elements. */
function checkLaunch(kernel: number, g: IndexGeometry, firstIndex: number): Launch {
  return { kernel, buffers: inputs(firstIndex, firstIndex + g.idxShapes.length), params: indexCheckParams(g) };
}

/** advanced_subtensor: out[outer, picked, inner] = x[outer, idx_0[picked], idx_1[picked], ..., inner]. */
export function gatherProgram(axis: number, node: Apply): KernelProgram {
  const dtype = node.outputs[0]!.dtype;
  const nIdx = node.inputs.length - 1;
  const ranks = ranksOf(node, axis, 1);
  const k = new KernelBuilder(`advanced_subtensor_${dtype}`);
  const x = k.input(dtype);
  const idx = range(0, nIdx).map(() => k.input('int32'));
  const out = k.output(dtype);
  const s = indexSpace(k, idx, ranks, 1);
  k.store(out, s.at[0]!, x.at(s.xAt));
  return {
    kernels: [k.build(), indexCheckKernel('advanced_subtensor_check', nIdx, ranks.picked)],
    plan(operands) {
      const xShape = operands[0]!.shape;
      const idxShapes = operands.slice(1).map((o) => o.shape);
      const picked = indexShape(idxShapes, node.op.name, node);
      const shape = spaceShape(xShape, axis, nIdx, picked);
      const g: IndexGeometry = { xShape, axis, idxShapes, picked, operands: [stridesOf(shape)] };
      const launch = onlyChecks(g) ? checkLaunch(1, g, 1) : { kernel: 0, buffers: [...inputs(0, 1 + nIdx), { output: 0 }], params: indexSpaceParams(g) };
      return { outputs: [shape], launches: [launch] };
    },
  };
}

/**
 * advanced_inc/set_subtensor: x copied, then y scattered into the picked elements one point after
 * another in row-major order, as perform writes them: repeated indices add up in that order
 * ('inc'), or the last write wins ('set').
 */
export function scatterProgram(axis: number, mode: 'inc' | 'set', node: Apply): KernelProgram {
  const dtype = node.outputs[0]!.dtype;
  const nIdx = node.inputs.length - 2;
  const ranks = ranksOf(node, axis, 2);
  const k = new KernelBuilder(`advanced_${mode}_subtensor_${dtype}`);
  const y = k.input(dtype);
  const idx = range(0, nIdx).map(() => k.input('int32'));
  const out = k.buffer(dtype, mode === 'inc' ? 'readwrite' : 'write');
  const s = indexSpace(k, idx, ranks, 1);
  k.store(out, s.xAt, y.at(s.at[0]!), { accumulate: mode === 'inc' });
  return {
    kernels: [stridedCopyKernel(`copy_${dtype}`, dtype, 1), k.build({ sequential: true }), indexCheckKernel(`advanced_${mode}_subtensor_check`, nIdx, ranks.picked)],
    plan(operands) {
      const xShape = operands[0]!.shape;
      const idxShapes = operands.slice(2).map((o) => o.shape);
      const picked = indexShape(idxShapes, node.op.name, node);
      const ys = valueStrides(node.op.name, node, operands[1]!.shape, spaceShape(xShape, axis, nIdx, picked));
      const g: IndexGeometry = { xShape, axis, idxShapes, picked, operands: [ys] };
      const copy = stridedCopyLaunch(0, { input: 0 }, { output: 0 }, [shapeSize(xShape)], [1], [1]);
      const write = onlyChecks(g) ? checkLaunch(2, g, 2) : { kernel: 1, buffers: [{ input: 1 }, ...inputs(2, 2 + nIdx), { output: 0 }], params: indexSpaceParams(g) };
      return { outputs: [xShape], launches: [copy, write] };
    },
  };
}

/**
 * last_write_mask: each picked position's flat index is written, in order, into a scratch array
 * over x's indexed axes (the last write wins), then a position is 1 where it reads itself back.
 * The scratch entries no position names are never read, so they need no initial value.
 */
export function lastWriteMaskProgram(axis: number, dtype: DType, node: Apply): KernelProgram {
  const nIdx = node.inputs.length - 1;
  const ranks = { outer: 0, picked: Math.max(...node.inputs.slice(1).map((v) => v.ndim)), inner: 0 };
  const positions = new KernelBuilder('last_write_positions');
  const idxP = range(0, nIdx).map(() => positions.input('int32'));
  const last = positions.output('int32');
  const p = indexSpace(positions, idxP, ranks, 1);
  positions.store(last, p.xAt, E.index(p.at[0]!, 'int32'));
  const marks = new KernelBuilder(`last_write_mask_${dtype}`);
  const idxM = range(0, nIdx).map(() => marks.input('int32'));
  const written = marks.input('int32');
  const mask = marks.output(dtype);
  const m = indexSpace(marks, idxM, ranks, 1);
  marks.store(mask, m.at[0]!, E.index(I.eq(written.read(m.xAt), m.at[0]!), dtype));
  return {
    kernels: [positions.build({ sequential: true }), marks.build()],
    plan(operands) {
      const xShape = operands[0]!.shape;
      const indexed = xShape.slice(axis, axis + nIdx);
      const idxShapes = operands.slice(1).map((o) => o.shape);
      const picked = indexShape(idxShapes, node.op.name, node);
      // perform compares offsets into x: when x's trailing axes are empty they are all 0, so every position names the same element.
      const indexStrides = shapeSize(xShape.slice(axis + nIdx)) === 0 ? indexed.map(() => 0) : stridesOf(indexed);
      const g: IndexGeometry = { xShape: indexed, axis: 0, idxShapes, picked, operands: [stridesOf(picked)], indexStrides };
      const params = indexSpaceParams(g);
      return {
        outputs: [g.picked],
        temps: [{ dtype: 'int32', size: shapeSize(indexed) }],
        launches: [
          { kernel: 0, buffers: [...inputs(1, 1 + nIdx), { temp: 0 }], params },
          { kernel: 1, buffers: [...inputs(1, 1 + nIdx), { temp: 0 }, { output: 0 }], params },
        ],
      };
    },
  };
}
