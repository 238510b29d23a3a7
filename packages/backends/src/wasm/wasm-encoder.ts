/**
 * The WebAssembly binary format, as much of it as printed kernels and routines need: function
 * types, imports of a memory and of functions, functions with i32/i64/f32/f64/v128 locals, numeric
 * and SIMD128 instructions (relaxed SIMD's fused multiply-adds where the engine has them), loads and
 * stores with offsets, structured control (block, loop, if, br, br_if, br_table) and exports. A
 * hand-written encoder keeps the printer free of a 15 MB toolchain (binaryen) and emits a kernel's
 * function in a fraction of a millisecond; V8 validates what it emits when the module is compiled.
 */

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';
/** The scalar value types (every type but v128). */
export type ScalarValType = Exclude<ValType, 'v128'>;

const VAL_TYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Opcodes of the instructions that take no immediate (numeric operators, conversions, select). */
export const OP = {
  unreachable: 0x00, nop: 0x01, return: 0x0f, drop: 0x1a, select: 0x1b,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49, 'i32.gt_s': 0x4a, 'i32.gt_u': 0x4b,
  'i32.le_s': 0x4c, 'i32.le_u': 0x4d, 'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
  'i64.eqz': 0x50, 'i64.eq': 0x51, 'i64.ne': 0x52, 'i64.lt_s': 0x53, 'i64.lt_u': 0x54, 'i64.gt_s': 0x55, 'i64.gt_u': 0x56,
  'i64.le_s': 0x57, 'i64.le_u': 0x58, 'i64.ge_s': 0x59, 'i64.ge_u': 0x5a,
  'f32.eq': 0x5b, 'f32.ne': 0x5c, 'f32.lt': 0x5d, 'f32.gt': 0x5e, 'f32.le': 0x5f, 'f32.ge': 0x60,
  'f64.eq': 0x61, 'f64.ne': 0x62, 'f64.lt': 0x63, 'f64.gt': 0x64, 'f64.le': 0x65, 'f64.ge': 0x66,
  'i32.clz': 0x67, 'i32.ctz': 0x68, 'i32.popcnt': 0x69, 'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c,
  'i32.div_s': 0x6d, 'i32.div_u': 0x6e, 'i32.rem_s': 0x6f, 'i32.rem_u': 0x70, 'i32.and': 0x71, 'i32.or': 0x72,
  'i32.xor': 0x73, 'i32.shl': 0x74, 'i32.shr_s': 0x75, 'i32.shr_u': 0x76, 'i32.rotl': 0x77, 'i32.rotr': 0x78,
  'i64.clz': 0x79, 'i64.ctz': 0x7a, 'i64.popcnt': 0x7b, 'i64.add': 0x7c, 'i64.sub': 0x7d, 'i64.mul': 0x7e,
  'i64.div_s': 0x7f, 'i64.div_u': 0x80, 'i64.rem_s': 0x81, 'i64.rem_u': 0x82, 'i64.and': 0x83, 'i64.or': 0x84,
  'i64.xor': 0x85, 'i64.shl': 0x86, 'i64.shr_s': 0x87, 'i64.shr_u': 0x88, 'i64.rotl': 0x89, 'i64.rotr': 0x8a,
  'f32.abs': 0x8b, 'f32.neg': 0x8c, 'f32.ceil': 0x8d, 'f32.floor': 0x8e, 'f32.trunc': 0x8f, 'f32.nearest': 0x90,
  'f32.sqrt': 0x91, 'f32.add': 0x92, 'f32.sub': 0x93, 'f32.mul': 0x94, 'f32.div': 0x95, 'f32.min': 0x96,
  'f32.max': 0x97, 'f32.copysign': 0x98,
  'f64.abs': 0x99, 'f64.neg': 0x9a, 'f64.ceil': 0x9b, 'f64.floor': 0x9c, 'f64.trunc': 0x9d, 'f64.nearest': 0x9e,
  'f64.sqrt': 0x9f, 'f64.add': 0xa0, 'f64.sub': 0xa1, 'f64.mul': 0xa2, 'f64.div': 0xa3, 'f64.min': 0xa4,
  'f64.max': 0xa5, 'f64.copysign': 0xa6,
  'i32.wrap_i64': 0xa7, 'i32.trunc_f32_s': 0xa8, 'i32.trunc_f32_u': 0xa9, 'i32.trunc_f64_s': 0xaa, 'i32.trunc_f64_u': 0xab,
  'i64.extend_i32_s': 0xac, 'i64.extend_i32_u': 0xad, 'i64.trunc_f32_s': 0xae, 'i64.trunc_f32_u': 0xaf,
  'i64.trunc_f64_s': 0xb0, 'i64.trunc_f64_u': 0xb1,
  'f32.convert_i32_s': 0xb2, 'f32.convert_i32_u': 0xb3, 'f32.convert_i64_s': 0xb4, 'f32.convert_i64_u': 0xb5, 'f32.demote_f64': 0xb6,
  'f64.convert_i32_s': 0xb7, 'f64.convert_i32_u': 0xb8, 'f64.convert_i64_s': 0xb9, 'f64.convert_i64_u': 0xba, 'f64.promote_f32': 0xbb,
  'i32.reinterpret_f32': 0xbc, 'i64.reinterpret_f64': 0xbd, 'f32.reinterpret_i32': 0xbe, 'f64.reinterpret_i64': 0xbf,
} as const;
export type Op = keyof typeof OP;

/** The saturating float-to-int conversions (0xFC prefix): NaN gives 0, out-of-range values clamp. */
const TRUNC_SAT = {
  'i32.trunc_sat_f32_s': 0, 'i32.trunc_sat_f32_u': 1, 'i32.trunc_sat_f64_s': 2, 'i32.trunc_sat_f64_u': 3,
  'i64.trunc_sat_f32_s': 4, 'i64.trunc_sat_f32_u': 5, 'i64.trunc_sat_f64_s': 6, 'i64.trunc_sat_f64_u': 7,
} as const;
export type TruncSat = keyof typeof TRUNC_SAT;

/** SIMD128 instructions without an immediate (0xFD prefix), and relaxed SIMD's (engines that have it). */
export const SIMD = {
  'i32x4.splat': 0x11, 'i64x2.splat': 0x12, 'f32x4.splat': 0x13, 'f64x2.splat': 0x14,
  'i32x4.eq': 0x37, 'i32x4.ne': 0x38, 'i32x4.lt_s': 0x39, 'i32x4.gt_s': 0x3b, 'i32x4.le_s': 0x3d, 'i32x4.ge_s': 0x3f,
  'f32x4.eq': 0x41, 'f32x4.ne': 0x42, 'f32x4.lt': 0x43, 'f32x4.gt': 0x44, 'f32x4.le': 0x45, 'f32x4.ge': 0x46,
  'f64x2.eq': 0x47, 'f64x2.ne': 0x48, 'f64x2.lt': 0x49, 'f64x2.gt': 0x4a, 'f64x2.le': 0x4b, 'f64x2.ge': 0x4c,
  'v128.not': 0x4d, 'v128.and': 0x4e, 'v128.andnot': 0x4f, 'v128.or': 0x50, 'v128.xor': 0x51, 'v128.bitselect': 0x52, 'v128.any_true': 0x53,
  'f32x4.demote_f64x2_zero': 0x5e, 'f64x2.promote_low_f32x4': 0x5f,
  'f32x4.ceil': 0x67, 'f32x4.floor': 0x68, 'f32x4.trunc': 0x69, 'f32x4.nearest': 0x6a,
  'f64x2.ceil': 0x74, 'f64x2.floor': 0x75, 'f64x2.trunc': 0x7a, 'f64x2.nearest': 0x94,
  'i32x4.abs': 0xa0, 'i32x4.neg': 0xa1, 'i32x4.all_true': 0xa3, 'i32x4.bitmask': 0xa4,
  'i32x4.shl': 0xab, 'i32x4.shr_s': 0xac, 'i32x4.shr_u': 0xad, 'i32x4.add': 0xae, 'i32x4.sub': 0xb1, 'i32x4.mul': 0xb5,
  'i64x2.shl': 0xcb, 'i64x2.shr_s': 0xcc, 'i64x2.shr_u': 0xcd, 'i64x2.add': 0xce, 'i64x2.sub': 0xd1,
  'f32x4.abs': 0xe0, 'f32x4.neg': 0xe1, 'f32x4.sqrt': 0xe3, 'f32x4.add': 0xe4, 'f32x4.sub': 0xe5, 'f32x4.mul': 0xe6, 'f32x4.div': 0xe7,
  'f32x4.min': 0xe8, 'f32x4.max': 0xe9, 'f32x4.pmin': 0xea, 'f32x4.pmax': 0xeb,
  'f64x2.abs': 0xec, 'f64x2.neg': 0xed, 'f64x2.sqrt': 0xef, 'f64x2.add': 0xf0, 'f64x2.sub': 0xf1, 'f64x2.mul': 0xf2, 'f64x2.div': 0xf3,
  'f64x2.min': 0xf4, 'f64x2.max': 0xf5, 'f64x2.pmin': 0xf6, 'f64x2.pmax': 0xf7,
  'i32x4.trunc_sat_f32x4_s': 0xf8, 'f32x4.convert_i32x4_s': 0xfa, 'i32x4.trunc_sat_f64x2_s_zero': 0xfc, 'f64x2.convert_low_i32x4_s': 0xfe,
  'f32x4.relaxed_madd': 0x105, 'f64x2.relaxed_madd': 0x107,
} as const;
export type SimdOp = keyof typeof SIMD;

/** SIMD loads and stores (0xFD prefix) with their natural alignment. */
const SIMD_MEMORY = {
  'v128.load': [0x00, 4], 'v128.load32_splat': [0x09, 2], 'v128.load64_splat': [0x0a, 3], 'v128.store': [0x0b, 4],
  'v128.load32_zero': [0x5c, 2], 'v128.load64_zero': [0x5d, 3],
} as const;
export type SimdMemoryOp = keyof typeof SIMD_MEMORY;

/** Lane instructions, whose immediate is the lane. */
const SIMD_LANE = {
  'i32x4.extract_lane': 0x1b, 'i32x4.replace_lane': 0x1c, 'i64x2.extract_lane': 0x1d, 'i64x2.replace_lane': 0x1e,
  'f32x4.extract_lane': 0x1f, 'f32x4.replace_lane': 0x20, 'f64x2.extract_lane': 0x21, 'f64x2.replace_lane': 0x22,
} as const;
export type SimdLaneOp = keyof typeof SIMD_LANE;

/** Loads and stores, with their natural alignment (log2 of the access size). */
const MEMORY = {
  'i32.load': [0x28, 2], 'i64.load': [0x29, 3], 'f32.load': [0x2a, 2], 'f64.load': [0x2b, 3], 'i32.load8_u': [0x2d, 0],
  'i32.store': [0x36, 2], 'i64.store': [0x37, 3], 'f32.store': [0x38, 2], 'f64.store': [0x39, 3], 'i32.store8': [0x3a, 0],
} as const;
export type MemoryOp = keyof typeof MEMORY;

/** A growable byte buffer with the format's integer encodings. */
export class ByteWriter {
  private bytes: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(b: number): this {
    this.reserve(1);
    this.bytes[this.length++] = b;
    return this;
  }

  raw(bs: ArrayLike<number>): this {
    this.reserve(bs.length);
    this.bytes.set(bs, this.length);
    this.length += bs.length;
    return this;
  }

  /** Unsigned LEB128. */
  u32(v: number): this {
    let x = v >>> 0;
    do {
      const b = x & 0x7f;
      x >>>= 7;
      this.byte(x ? b | 0x80 : b);
    } while (x);
    return this;
  }

  /** Signed LEB128 of any integer (i32 and i64 immediates); int32 numbers skip BigInt arithmetic. */
  sleb(v: bigint | number): this {
    if (typeof v === 'number') {
      if (v !== (v | 0)) return this.sleb(BigInt(v));
      let n = v;
      for (;;) {
        const b = n & 0x7f;
        n >>= 7;
        const done = (n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0);
        this.byte(done ? b : b | 0x80);
        if (done) return this;
      }
    }
    let x = v;
    for (;;) {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      const done = (x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  /** A length-prefixed vector of bytes (names, section and function bodies). */
  vec(w: ByteWriter | Uint8Array): this {
    const bs = w instanceof ByteWriter ? w.finish() : w;
    return this.u32(bs.length).raw(bs);
  }

  name(s: string): this {
    return this.vec(new TextEncoder().encode(s));
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.bytes.slice(0, this.length);
  }
}

/** Block result types: none, or one value. */
export type BlockType = ValType | 'void';

/** A function body under construction: instructions appended in order, as the stack machine runs them. */
export class CodeWriter {
  readonly w = new ByteWriter();

  op(o: Op): this {
    this.w.byte(OP[o]);
    return this;
  }
  truncSat(o: TruncSat): this {
    this.w.byte(0xfc).u32(TRUNC_SAT[o]);
    return this;
  }
  i32Const(v: number): this {
    this.w.byte(0x41).sleb(v | 0);
    return this;
  }
  i64Const(v: number | bigint): this {
    this.w.byte(0x42).sleb(typeof v === 'number' && v === (v | 0) ? v : BigInt.asIntN(64, BigInt(v)));
    return this;
  }
  f32Const(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.w.byte(0x43).raw(b);
    return this;
  }
  f64Const(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.w.byte(0x44).raw(b);
    return this;
  }
  localGet(i: number): this {
    this.w.byte(0x20).u32(i);
    return this;
  }
  localSet(i: number): this {
    this.w.byte(0x21).u32(i);
    return this;
  }
  localTee(i: number): this {
    this.w.byte(0x22).u32(i);
    return this;
  }
  /** A load or store; `offset` is added to the address operand (unsigned, no wrap-around). */
  memory(o: MemoryOp, offset = 0): this {
    const [code, align] = MEMORY[o];
    this.w.byte(code).u32(align).u32(offset);
    return this;
  }
  /** A SIMD128 instruction without an immediate. */
  simd(o: SimdOp): this {
    this.w.byte(0xfd).u32(SIMD[o]);
    return this;
  }
  /** A SIMD load or store at `offset` from the address operand; unaligned addresses are allowed (alignment hint 0). */
  simdMemory(o: SimdMemoryOp, offset = 0): this {
    this.w.byte(0xfd).u32(SIMD_MEMORY[o][0]).u32(0).u32(offset);
    return this;
  }
  simdLane(o: SimdLaneOp, lane: number): this {
    this.w.byte(0xfd).u32(SIMD_LANE[o]).byte(lane);
    return this;
  }
  /** i8x16.shuffle: byte i of the result is byte lanes[i] of the two operands (0-15 the first, 16-31 the second). */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => l < 0 || l > 31)) throw new Error('i8x16.shuffle takes 16 lane indices below 32');
    this.w.byte(0xfd).u32(0x0d).raw(lanes);
    return this;
  }
  /** memory.size: the memory's length in 64 KiB pages, an i32. */
  memorySize(): this {
    this.w.byte(0x3f).byte(0x00);
    return this;
  }
  /** A v128 constant from 16 bytes. */
  v128Const(bytes: ArrayLike<number>): this {
    if (bytes.length !== 16) throw new Error('v128.const takes 16 bytes');
    this.w.byte(0xfd).u32(0x0c).raw(bytes);
    return this;
  }
  /** A v128 constant of four equal f32 (or two f64) lanes. */
  f32x4Const(v: number): this {
    return this.v128Const(new Uint8Array(Float32Array.of(v, v, v, v).buffer));
  }
  f64x2Const(v: number): this {
    return this.v128Const(new Uint8Array(Float64Array.of(v, v).buffer));
  }
  i32x4Const(v: number): this {
    return this.v128Const(new Uint8Array(Int32Array.of(v, v, v, v).buffer));
  }
  call(funcIndex: number): this {
    this.w.byte(0x10).u32(funcIndex);
    return this;
  }
  block(t: BlockType = 'void'): this {
    this.w.byte(0x02).byte(blockType(t));
    return this;
  }
  loop(t: BlockType = 'void'): this {
    this.w.byte(0x03).byte(blockType(t));
    return this;
  }
  if(t: BlockType = 'void'): this {
    this.w.byte(0x04).byte(blockType(t));
    return this;
  }
  else(): this {
    this.w.byte(0x05);
    return this;
  }
  end(): this {
    this.w.byte(0x0b);
    return this;
  }
  /** Branch to the `depth`-th enclosing label (0: the innermost block, loop or if). */
  br(depth: number): this {
    this.w.byte(0x0c).u32(depth);
    return this;
  }
  brIf(depth: number): this {
    this.w.byte(0x0d).u32(depth);
    return this;
  }
  /** A jump table: to `depths[i]` for the operand i, to `otherwise` for any other operand. */
  brTable(depths: readonly number[], otherwise: number): this {
    this.w.byte(0x0e).u32(depths.length);
    for (const d of depths) this.w.u32(d);
    this.w.u32(otherwise);
    return this;
  }
}

function blockType(t: BlockType): number {
  return t === 'void' ? 0x40 : VAL_TYPE[t];
}

export interface FuncType {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export interface WasmFunction {
  readonly type: FuncType;
  /** Locals after the parameters, in index order. */
  readonly locals: readonly ValType[];
  /** The instructions, without the final `end`. */
  readonly code: CodeWriter;
  /** The name it is exported under, if any. */
  readonly export?: string;
}

export interface MemoryImport {
  readonly module: string;
  readonly name: string;
  /** Initial size in 64 KiB pages. */
  readonly minPages: number;
  readonly maxPages?: number;
  /** A shared memory (threads); needs maxPages. */
  readonly shared?: boolean;
}

export interface FunctionImport {
  readonly module: string;
  readonly name: string;
  readonly type: FuncType;
}

/**
 * A module: imported functions take the first function indices (in order), defined functions the
 * ones after them.
 */
export interface ModuleSpec {
  readonly memory?: MemoryImport;
  readonly imports: readonly FunctionImport[];
  readonly functions: readonly WasmFunction[];
}

const SECTION = { type: 1, import: 2, function: 3, export: 7, code: 10 } as const;

export function encodeModule(spec: ModuleSpec): Uint8Array<ArrayBuffer> {
  const types: FuncType[] = [];
  const typeKeys = new Map<string, number>();
  const typeIndex = (t: FuncType): number => {
    const key = `${t.params.join(',')}>${t.results.join(',')}`;
    let i = typeKeys.get(key);
    if (i === undefined) {
      i = types.length;
      types.push(t);
      typeKeys.set(key, i);
    }
    return i;
  };
  const importTypes = spec.imports.map((f) => typeIndex(f.type));
  const funcTypes = spec.functions.map((f) => typeIndex(f.type));

  const out = new ByteWriter().raw([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, body: ByteWriter) => out.byte(id).vec(body);

  const typeSec = new ByteWriter().u32(types.length);
  for (const t of types) {
    typeSec.byte(0x60).u32(t.params.length);
    for (const p of t.params) typeSec.byte(VAL_TYPE[p]);
    typeSec.u32(t.results.length);
    for (const r of t.results) typeSec.byte(VAL_TYPE[r]);
  }
  section(SECTION.type, typeSec);

  const importSec = new ByteWriter().u32(spec.imports.length + (spec.memory ? 1 : 0));
  if (spec.memory) {
    const m = spec.memory;
    importSec.name(m.module).name(m.name).byte(0x02);
    const flags = (m.maxPages !== undefined ? 1 : 0) | (m.shared ? 2 : 0);
    importSec.byte(flags).u32(m.minPages);
    if (m.maxPages !== undefined) importSec.u32(m.maxPages);
  }
  spec.imports.forEach((f, i) => importSec.name(f.module).name(f.name).byte(0x00).u32(importTypes[i]!));
  section(SECTION.import, importSec);

  const funcSec = new ByteWriter().u32(funcTypes.length);
  for (const t of funcTypes) funcSec.u32(t);
  section(SECTION.function, funcSec);

  const exported = spec.functions.map((f, i) => ({ name: f.export, index: spec.imports.length + i })).filter((e) => e.name !== undefined);
  const exportSec = new ByteWriter().u32(exported.length);
  for (const e of exported) exportSec.name(e.name!).byte(0x00).u32(e.index);
  section(SECTION.export, exportSec);

  const codeSec = new ByteWriter().u32(spec.functions.length);
  for (const f of spec.functions) {
    const body = new ByteWriter();
    // Runs of equal types, as the format groups locals.
    const runs: { n: number; t: ValType }[] = [];
    for (const t of f.locals) {
      const last = runs[runs.length - 1];
      if (last && last.t === t) last.n++;
      else runs.push({ n: 1, t });
    }
    body.u32(runs.length);
    for (const r of runs) body.u32(r.n).byte(VAL_TYPE[r.t]);
    body.raw(f.code.w.finish()).byte(0x0b);
    codeSec.vec(body);
  }
  section(SECTION.code, codeSec);
  return out.finish();
}
