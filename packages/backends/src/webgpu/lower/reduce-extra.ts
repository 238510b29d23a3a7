import { HypatiaError, type Apply, type DType } from '@hypatia/core';
import { ArgExtremum, Extremum, Prod } from '@hypatia/ops';
import { ROUTINES, pipeline, type Routine } from '../lowering.js';
import { WORKGROUP, keptOffsetWGSL, reducedOffsetWGSL } from '../kernels.js';
import { contiguous, dispatchReduction } from './reduce.js';
import { WGSL_HELPERS, storageType, wgslType } from '../wgsl-scalar.js';

/**
 * max, min, prod, argmax and argmin: one workgroup per output element, as sum does. Each thread
 * folds the reduced elements it strides over into an accumulator {value, index}, and the threads'
 * accumulators meet in a workgroup-memory tree. The index is the position in the reduced axes
 * flattened row-major (what argmax returns); the value-only folds ignore it.
 */
interface Fold {
  /** WGSL type of the accumulated value. */
  acc: string;
  /** The accumulator threads start from (WGSL expression). */
  init: string;
  /** `fn combine(a: Acc, b: Acc) -> Acc`: associative, and for argmax independent of which side holds the lower index. */
  combine: string;
  /** What an output element stores from the final accumulator `r`. */
  result: string;
}

const NO_INDEX = '0xffffffffu';

function foldFor(kind: string, inDtype: DType): Fold {
  const isFloat = inDtype === 'float32';
  const t = inDtype === 'bool' ? 'u32' : wgslType(inDtype);
  const nan = (x: string) => (isFloat ? `h_isnan(${x})` : 'false');
  const lowest = isFloat ? '-h_inf()' : inDtype === 'int32' ? 'bitcast<i32>(0x80000000u)' : '0u';
  const highest = isFloat ? 'h_inf()' : inDtype === 'int32' ? 'bitcast<i32>(0x7fffffffu)' : '1u';
  switch (kind) {
    case 'max':
    case 'min': {
      // NaN wins wherever it is (NumPy's max and min propagate it).
      const pick = kind === 'max' ? 'b.v > a.v' : 'b.v < a.v';
      return {
        acc: t,
        init: kind === 'max' ? lowest : highest,
        combine: `fn combine(a: Acc, b: Acc) -> Acc { if (${nan('a.v')}) { return a; } if (${nan('b.v')} || ${pick}) { return b; } return a; }`,
        result: 'r.v',
      };
    }
    case 'prod': {
      // bool and int32 multiply in int32 (wrapping on overflow).
      const acc = isFloat ? 'f32' : 'i32';
      return { acc, init: `${acc}(1)`, combine: 'fn combine(a: Acc, b: Acc) -> Acc { return Acc(a.v * b.v, 0u); }', result: 'r.v' };
    }
    case 'argmax':
    case 'argmin': {
      // The first NaN wins, else the extreme value, and among equals the lowest index.
      const better = kind === 'argmax' ? 'b.v > a.v' : 'b.v < a.v';
      const worse = kind === 'argmax' ? 'b.v < a.v' : 'b.v > a.v';
      return {
        acc: t,
        init: kind === 'argmax' ? lowest : highest,
        combine: `fn combine(a: Acc, b: Acc) -> Acc {
  if (b.i == ${NO_INDEX}) { return a; }
  if (a.i == ${NO_INDEX}) { return b; }
  let an = ${nan('a.v')}; let bn = ${nan('b.v')};
  if (an != bn) { if (an) { return a; } return b; }
  if (!an && ${better}) { return b; }
  if (!an && ${worse}) { return a; }
  if (b.i < a.i) { return b; }
  return a;
}`,
        result: 'i32(r.i)',
      };
    }
  }
  throw new Error(`no fold for ${kind}`);
}

/** params: [nOut, nRed, keptShape(ndKept), keptStrides(ndKept), redShape(ndRed), redStrides(ndRed)], as sum's. */
export function foldReduceSource(kind: string, inDtype: DType, outDtype: DType, ndKept: number, ndRed: number): string {
  const f = foldFor(kind, inDtype);
  const kept = keptOffsetWGSL(ndKept);
  const red = reducedOffsetWGSL(ndKept, ndRed);
  const load = f.acc === storageType(inDtype) ? 'src[off]' : `${f.acc}(src[off])`;
  return `${WGSL_HELPERS}
struct Acc { v: ${f.acc}, i: u32 }
${f.combine}
@group(0) @binding(0) var<storage, read> params: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<${storageType(inDtype)}>;
@group(0) @binding(2) var<storage, read_write> out: array<${storageType(outDtype)}>;
var<workgroup> partial: array<Acc, ${WORKGROUP}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = wid.x + wid.y * nwg.x;
  let inRange = o < params[0];
  var rem = o;
  var base = 0u;
  ${kept}
  var total = Acc(${f.init}, ${NO_INDEX});
  if (inRange) {
    for (var r = lid.x; r < params[1]; r += ${WORKGROUP}u) {
      var q = r;
      var off = base;
      ${red}
      total = combine(total, Acc(${load}, r));
    }
  }
  partial[lid.x] = total;
  workgroupBarrier();
  for (var s = ${WORKGROUP / 2}u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { partial[lid.x] = combine(partial[lid.x], partial[lid.x + s]); }
    workgroupBarrier();
  }
  if (lid.x == 0u && inRange) { let r = partial[0]; out[o] = ${f.result}; }
}`;
}

function foldRoutine(node: Apply, k: string, needsElements: boolean, axes: readonly number[], keepdims: boolean): Routine {
  return async (device) => {
    const x = node.inputs[0]!;
    const out = node.outputs[0]!;
    const kept = Array.from({ length: x.ndim }, (_, i) => i).filter((i) => !axes.includes(i));
    const pipe = await pipeline(device, foldReduceSource(k, x.dtype, out.dtype, kept.length, axes.length));
    return {
      node,
      describe: `${k} over axes [${axes.join(', ')}] (workgroup tree)`,
      shapes: ([t]) => {
        // No identity for max, min or their indices: an empty reduction is an error, as in perform.
        for (const a of axes) {
          if (needsElements && t!.shape[a] === 0) throw new HypatiaError(node.op.name, `cannot reduce over axis ${a} of length 0 (shape [${t!.shape.join(', ')}])`, node.site);
        }
        return [t!.shape.flatMap((d, i) => (axes.includes(i) ? (keepdims ? [1] : []) : [d]))];
      },
      encode: (pass, [t], [o], ctx) => dispatchReduction(pass, ctx, pipe, t!.shape, [contiguous(t!)], o!, axes, kept),
    };
  };
}

ROUTINES.set(Extremum, (node, op) => foldRoutine(node, op.kind, true, op.axes, op.keepdims));
ROUTINES.set(ArgExtremum, (node, op) => foldRoutine(node, op.name, true, op.axes, op.keepdims));
ROUTINES.set(Prod, (node, op) => foldRoutine(node, 'prod', false, op.axes, op.keepdims));
