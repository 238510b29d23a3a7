/// <reference types="@webgpu/types" />
import { HypatiaError, type Apply } from '@hypatia/core';
import { Dot } from '@hypatia/ops';
import { ROUTINES, unsupported, type EncodeContext, type Step } from '../lowering.js';
import { TILE } from '../kernels.js';
import { encodeMatmul, matmulPipelines, type MatmulPipelines } from './matmul.js';
import { boundOperands, epilogueParams, inPlaceEpilogue, productChecksAt, type Epilogue } from './epilogue.js';
import type { GpuTensor } from '../buffers.js';

/**
 * dot (vectors and matrices, with transA/transB): the matmul kernels reading operands through
 * strides; with an epilogue (a ProductEpilogue node), its formula applied before the store.
 */
export async function dotStep(device: GPUDevice, node: Apply, op: { transA: boolean; transB: boolean }, epi: Epilogue | null): Promise<Step> {
  const [a, b] = node.inputs;
  if (a!.dtype !== b!.dtype) unsupported(node, `mixed dtypes ${a!.dtype} and ${b!.dtype}`);
  const { transA, transB } = op;
  const pipes = await matmulPipelines(device, a!.dtype, 0, epi);
  const at = productChecksAt(node);
  const dims = (ins: readonly GpuTensor[]) => {
    const [sa, sb] = [ins[0]!.shape, ins[1]!.shape];
    const M = sa.length === 2 ? (transA ? sa[1]! : sa[0]!) : 1;
    const K = sa.length === 2 ? (transA ? sa[0]! : sa[1]!) : sa[0]!;
    const N = sb.length === 2 ? (transB ? sb[0]! : sb[1]!) : 1;
    const Kb = sb.length === 2 ? (transB ? sb[1]! : sb[0]!) : sb[0]!;
    if (K !== Kb) throw new HypatiaError(at.op.name, `inner dimensions do not match: [${sa}] · [${sb}]`, at.site);
    return { M, N, K, sa, sb };
  };
  return {
    node,
    describe: `matmul ${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'} (${TILE}x${TILE} tiles in workgroup memory, or a thread per element when small)${epi ? ' with its elementwise epilogue' : ''}`,
    shapes: (ins) => {
      const { M, N, sa, sb } = dims(ins);
      return [[...(sa.length === 2 ? [M] : []), ...(sb.length === 2 ? [N] : [])]];
    },
    encode: (pass, ins, [o], ctx) => encode(pass, ins, o!, ctx, pipes, epi),
    inPlace: epi ? async (aliased) => {
      const e = inPlaceEpilogue(epi, 2, aliased);
      if (!e) return null;
      const p = await matmulPipelines(device, a!.dtype, 0, e);
      return (pass, ins, o, ctx) => encode(pass, ins, o, ctx, p, e);
    } : undefined,
  };
  function encode(pass: GPUComputePassEncoder, ins: readonly GpuTensor[], o: GpuTensor, ctx: EncodeContext, p: MatmulPipelines, e: Epilogue | null): void {
    const { M, N, K, sa, sb } = dims(ins);
    const [sAm, sAk] = sa.length === 1 ? [0, 1] : transA ? [1, sa[1]!] : [sa[1]!, 1];
    const [sBk, sBn] = sb.length === 1 ? [1, 0] : transB ? [1, sb[1]!] : [sb[1]!, 1];
    const rest = ins.slice(2);
    const params = [M, N, K, sAm, sAk, sBk, sBn, 1, ...(e ? epilogueParams(node, o.shape, rest.map((t) => t.shape)) : [])];
    encodeMatmul(pass, ctx, p, params, [ins[0]!.buffer, ins[1]!.buffer, ...boundOperands(e, rest).map((t) => t.buffer), o.buffer]);
  }
}

ROUTINES.set(Dot, (node, op) => (device) => dotStep(device, node, op, null));
