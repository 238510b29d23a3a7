import { HypatiaError } from '@hypatia/core';
import { registerLowering, unsupported } from '../lowering.js';
import { TILE } from '../kernels.js';
import { encodeMatmul, matmulPipelines } from './matmul.js';
import type { GpuTensor } from '../buffers.js';

// dot (vectors and matrices, with transA/transB): the tiled matmul reading operands through strides.
registerLowering('dot', async (device, node) => {
  const [a, b] = node.inputs;
  const out = node.outputs[0]!;
  if (a!.dtype !== b!.dtype) unsupported(node, `mixed dtypes ${a!.dtype} and ${b!.dtype}`);
  const { transA, transB } = node.op as unknown as { transA: boolean; transB: boolean };
  const pipes = await matmulPipelines(device, out.dtype, 0);
  const dims = (ins: readonly GpuTensor[]) => {
    const [sa, sb] = [ins[0]!.shape, ins[1]!.shape];
    const M = sa.length === 2 ? (transA ? sa[1]! : sa[0]!) : 1;
    const K = sa.length === 2 ? (transA ? sa[0]! : sa[1]!) : sa[0]!;
    const N = sb.length === 2 ? (transB ? sb[0]! : sb[1]!) : 1;
    const Kb = sb.length === 2 ? (transB ? sb[1]! : sb[0]!) : sb[0]!;
    if (K !== Kb) throw new HypatiaError('dot', `inner dimensions do not match: [${sa}] · [${sb}]`, node.site);
    return { M, N, K, sa, sb };
  };
  return {
    node,
    describe: `matmul ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} (${TILE}x${TILE} tiles in workgroup memory, or a thread per element when small)`,
    shapes: (ins) => {
      const { M, N, sa, sb } = dims(ins);
      return [[...(sa.length === 2 ? [M] : []), ...(sb.length === 2 ? [N] : [])]];
    },
    encode: (pass, ins, [o], ctx) => {
      const { M, N, K, sa, sb } = dims(ins);
      const [sAm, sAk] = sa.length === 1 ? [0, 1] : transA ? [1, sa[1]!] : [sa[1]!, 1];
      const [sBk, sBn] = sb.length === 1 ? [1, 0] : transB ? [1, sb[1]!] : [sb[1]!, 1];
      encodeMatmul(pass, ctx, pipes, [M, N, K, sAm, sAk, sBk, sBn, 1], [ins[0]!.buffer, ins[1]!.buffer, o!.buffer]);
    },
  };
});
