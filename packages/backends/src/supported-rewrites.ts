/**
 * The opt-in rewrites each backend declares it can run (Backend.supportedRewrites): a rule whose
 * result needs an op that only some backends lower (a Fused node's inlined kernels, a product with
 * an epilogue) is listed here once that backend lowers it. compile() adds the list to the user's `include`.
 */
export const REFERENCE_REWRITES: readonly string[] = ['producer_fusion', 'product_epilogue'];
export const NATIVE_REWRITES: readonly string[] = ['producer_fusion', 'product_epilogue', 'gemm'];
/**
 * WebAssembly keeps an SGD update an elementwise kernel written into the weights in place: its gemm
 * routine has no accumulating write-back, so a Gemm (which it still runs, as the cpu backend's
 * fallback meets one) is a product into a fresh array and then the formula.
 */
export const WASM_REWRITES: readonly string[] = ['producer_fusion', 'product_epilogue'];
export const WEBGPU_REWRITES: readonly string[] = ['producer_fusion', 'product_epilogue'];
