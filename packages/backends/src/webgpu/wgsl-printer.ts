import { linearize, type DType, type Idx, type Kernel, type LExpr, type LIdx, type LStmt } from '@hypatia/core';
import { WGSL_HELPERS, callWGSL, loadExpr, scalarConst, storageType, storeExpr, wgslType } from './wgsl-scalar.js';
import { WORKGROUP } from './kernels.js';

/**
 * The kernel IR printed as a WGSL compute shader: one invocation per point of the iteration space
 * (its reductions computed per point), or, for a `sequential` kernel, one invocation walking every
 * point in row-major order. Bindings: 0 the launch's integer parameters (i32, then the point count),
 * 1.. the kernel's buffers in order (bool stored as u32), and last, when the kernel has checks, a
 * u32 flag that any failing point sets to 1. The flat invocation index is split into the space's
 * variables by / and % on the extents. WGSL has no float64: values the IR computes in float64
 * (accumulators, intermediate casts) are computed in f32, and a float64 buffer (a plan's scratch:
 * the backend refuses float64 operands) is an f32 array.
 */
export interface WgslKernel {
  readonly code: string;
  /** Whether it binds the error flag after its buffers. */
  readonly checks: boolean;
  readonly sequential: boolean;
}

/** f32 stands in for float64 in a kernel's values. */
const onGpu = (d: DType): DType => (d === 'float64' ? 'float32' : d);

function lit(v: number): string {
  if (v === -2147483648) return '(-2147483647i - 1i)';
  return v < 0 ? `(${v}i)` : `${v}i`;
}

/** A constant of dtype d; an int32 infinity (a max/min accumulator's identity) is the type's extreme. */
function constant(v: number, d: DType): string {
  if (d === 'int32' && !Number.isFinite(v) && !Number.isNaN(v)) return v > 0 ? '2147483647i' : '(-2147483647i - 1i)';
  return scalarConst(v, onGpu(d));
}

class Printer {
  constructor(private readonly kernel: Kernel, private readonly temps: readonly DType[]) {}

  /** An index expression as i32. */
  idx(i: LIdx): string {
    switch (i.k) {
      case 'lit': return lit(i.v);
      case 'var': return `v${i.v}`;
      case 'param': return `hyp_p[${i.p}]`;
      case 'read': {
        const d = this.kernel.buffers[i.buf]!.dtype;
        const ref = `b${i.buf}[${this.idx(i.at)}]`;
        if (d === 'int32') return ref;
        if (d === 'bool') return `i32(${ref})`;
        throw new Error(`kernel ${this.kernel.name}: an index read from ${d} buffer ${i.buf}`);
      }
      case 'op': {
        const [a, b] = [this.idx(i.a), this.idx(i.b)];
        switch (i.op) {
          case 'add': return `(${a} + ${b})`;
          case 'sub': return `(${a} - ${b})`;
          case 'mul': return `(${a} * ${b})`;
          case 'div': return `(${a} / ${b})`;
          case 'mod': return `(${a} % ${b})`;
          case 'min': return `min(${a}, ${b})`;
          case 'max': return `max(${a}, ${b})`;
          default: return `select(0i, 1i, ${this.cond(i)})`;
        }
      }
      case 'sel': return `select(${this.idx(i.b)}, ${this.idx(i.a)}, ${this.cond(i.c)})`;
      case 'temp': {
        const d = this.temps[i.t]!;
        return d === 'int32' ? `t${i.t}` : d === 'bool' ? `select(0i, 1i, t${i.t})` : `h_f32_i32(t${i.t})`;
      }
    }
  }

  /** An index expression as a WGSL bool (non-zero is true); && and || short-circuit. */
  cond(i: LIdx): string {
    if (i.k === 'lit') return i.v ? 'true' : 'false';
    if (i.k === 'op') {
      const cmp = { lt: '<', le: '<=', eq: '==', ne: '!=' }[i.op as 'lt'];
      if (cmp) return `(${this.idx(i.a)} ${cmp} ${this.idx(i.b)})`;
      if (i.op === 'and') return `(${this.cond(i.a)} && ${this.cond(i.b)})`;
      if (i.op === 'or') return `(${this.cond(i.a)} || ${this.cond(i.b)})`;
    }
    return `(${this.idx(i)} != 0i)`;
  }

  expr(e: LExpr): string {
    switch (e.k) {
      case 'const': return constant(e.v, e.dtype);
      case 'call': return callWGSL(e.f, e.args.map((a) => this.expr(a)), onGpu(e.dtype), e.args.map((a) => onGpu(a.dtype)));
      case 'load': return loadExpr(onGpu(e.dtype), `b${e.buf}[${this.idx(e.at)}]`);
      case 'index': return e.dtype === 'int32' ? this.idx(e.at) : e.dtype === 'bool' ? this.cond(e.at) : `f32(${this.idx(e.at)})`;
      case 'temp': return `t${e.t}`;
    }
  }

  stmts(ss: readonly LStmt[], pad: string): string {
    return ss.map((s) => this.stmt(s, pad)).join('\n');
  }

  stmt(s: LStmt, pad: string): string {
    const inner = (ss: readonly LStmt[]) => this.stmts(ss, `${pad}  `);
    switch (s.k) {
      case 'for':
        // The bound is evaluated once, as every printer does.
        return `${pad}{\n${pad}  let e${s.v} = ${this.idx(s.hi)};\n${pad}  for (var v${s.v} = ${this.idx(s.lo)}; v${s.v} < e${s.v}; v${s.v}++) {\n${this.stmts(s.body, `${pad}    `)}\n${pad}  }\n${pad}}`;
      case 'decl': return `${pad}var t${s.t}: ${wgslType(onGpu(s.dtype))} = ${this.expr(s.init)};`;
      case 'assign': return `${pad}t${s.t} = ${this.expr(s.value)};`;
      case 'if': return `${pad}if (${this.expr(s.cond)}) {\n${inner(s.then)}\n${pad}}${s.else ? ` else {\n${inner(s.else)}\n${pad}}` : ''}`;
      case 'store': {
        const d = onGpu(this.kernel.buffers[s.buf]!.dtype);
        const ref = `b${s.buf}[${this.idx(s.at)}]`;
        const value = this.expr(s.value);
        const stored = s.accumulate ? callWGSL(d === 'bool' ? 'or' : 'add', [loadExpr(d, ref), value], d, [d, d]) : value;
        return `${pad}${ref} = ${storeExpr(d, stored)};`;
      }
      case 'fail': return `${pad}hyp_failed[0] = 1u;`;
    }
  }
}

/** A space extent as i32 WGSL: literals, parameters and their arithmetic (it is also evaluated on the host). */
function extent(k: Kernel, i: Idx): LIdx {
  switch (i.k) {
    case 'lit': case 'param': return i;
    case 'op': return { k: 'op', op: i.op, a: extent(k, i.a), b: extent(k, i.b) };
    case 'sel': return { k: 'sel', c: extent(k, i.c), a: extent(k, i.a), b: extent(k, i.b) };
    default: throw new Error(`kernel ${k.name}: an extent of its space reads ${i.k === 'var' ? 'a variable' : 'a buffer'}; extents must be parameter arithmetic`);
  }
}

function usesFlag(ss: readonly LStmt[]): boolean {
  return ss.some((s) => s.k === 'fail' || (s.k === 'for' && usesFlag(s.body)) || (s.k === 'if' && (usesFlag(s.then) || usesFlag(s.else ?? []))));
}

export function kernelToWGSL(k: Kernel): WgslKernel {
  const prog = linearize(k, { spaceLoops: false });
  const p = new Printer(k, prog.temps);
  const checks = usesFlag(prog.body);
  const rank = k.space.length;
  const buffers = k.buffers.map((b, i) => `@group(0) @binding(${i + 1}) var<storage, ${b.access === 'read' ? 'read' : 'read_write'}> b${i}: array<${storageType(onGpu(b.dtype))}>;`);
  const flag = checks ? [`@group(0) @binding(${k.buffers.length + 1}) var<storage, read_write> hyp_failed: array<u32>;`] : [];
  // The flat point index split over the extents, last axis fastest.
  const split: string[] = [];
  for (let d = rank - 1; d >= 0; d--) {
    if (d === 0) { split.push('let v0 = i32(hyp_rem);'); break; }
    split.push(`let hyp_e${d} = u32(${p.idx(extent(k, k.space[d]!))});`, `let v${d} = i32(hyp_rem % hyp_e${d});`, `hyp_rem = hyp_rem / hyp_e${d};`);
  }
  const point = (pad: string) => [
    rank ? `${pad}var hyp_rem = hyp_i;` : '',
    ...split.map((l) => `${pad}${l}`),
    p.stmts(prog.body, pad),
  ].filter(Boolean).join('\n');
  // Every binding is statically used, so the automatic layout keeps the ones a kernel ignores.
  const keep = k.buffers.map((_, i) => `_ = b${i}[0];`).join(' ');
  const n = `bitcast<u32>(hyp_p[${k.nParams}])`;
  const main = k.sequential
    ? `@compute @workgroup_size(1)
fn main() {
  ${keep}
  let hyp_n = ${n};
  for (var hyp_i = 0u; hyp_i < hyp_n; hyp_i++) {
${point('    ')}
  }
}`
    : `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  ${keep}
  let hyp_i = gid.x + gid.y * nwg.x * ${WORKGROUP}u;
  if (hyp_i >= ${n}) { return; }
${point('  ')}
}`;
  const code = `// kernel ${k.name}
${WGSL_HELPERS}
@group(0) @binding(0) var<storage, read> hyp_p: array<i32>;
${[...buffers, ...flag].join('\n')}
${main}
`;
  return { code, checks, sequential: !!k.sequential };
}
