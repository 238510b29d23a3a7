import { CodeWriter, encodeModule } from './wasm-encoder.js';

let relaxed: boolean | null = null;

/**
 * Whether this engine has relaxed SIMD (its fused multiply-add, f32x4.relaxed_madd): a module of
 * one function using it validates. Chrome and Node from V8 11.4 have it; older engines run the
 * routines with a multiply and an add.
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxed === null) {
    const code = new CodeWriter();
    code.f32x4Const(1).f32x4Const(2).f32x4Const(3).simd('f32x4.relaxed_madd').simd('v128.any_true');
    const bytes = encodeModule({ imports: [], functions: [{ type: { params: [], results: ['i32'] }, locals: [], code }] });
    relaxed = WebAssembly.validate(bytes);
  }
  return relaxed;
}
