/// <reference types="@webgpu/types" />
import { E, I, KernelBuilder, type DType, type Kernel } from '@hypatia/core';
import type { EncodeContext } from './lowering.js';
import { dispatch1d } from './lowering.js';

/**
 * How a loop with `until` stops on the GPU within one submission. Every dispatch of steps 1 and
 * later is indirect: its workgroup counts are read from an arguments buffer, which starts with the
 * real counts. After each step a gate kernel (one invocation) reads the step's stop condition and
 * the loop's state (stopped, steps run): while not stopped it counts the step, and once stopped it
 * zeroes the next step's arguments, so the steps after the stop dispatch no workgroup. The host
 * never waits on the GPU inside the loop; the steps run are read back once, after it.
 */

/**
 * The gate after step `t`: state = [stopped, steps run, unused] (int32), args = the loop's indirect
 * arguments. Point p < m handles word `from + p` of the next step's arguments; the last point writes
 * a spare word, so a step without dispatches still updates the state. Each point updates the state
 * the same way (idempotent), so the order of points does not matter.
 */
export function gateKernel(condDtype: DType): Kernel {
  const k = new KernelBuilder(`loop_gate_${condDtype}`);
  const cond = k.input(condDtype);
  const state = k.buffer('int32', 'readwrite');
  const args = k.buffer('int32', 'readwrite');
  const [t, m, from, spare] = k.params(4);
  const [p] = k.space(I.add(m!, 1));
  const wasStopped = k.let(E.cast(state.at(0), 'bool'));
  const counted = k.let(state.at(1));
  const stopped = k.let(E.call('or', [wasStopped, E.cast(cond.at(0), 'bool')]));
  k.store(state, 0, E.select(stopped, E.c(1, 'int32'), E.c(0, 'int32')));
  k.store(state, 1, E.select(wasStopped, counted, E.index(I.add(t!, 1), 'int32')));
  const at = I.sel(I.lt(p!, m!), I.add(from!, p!), spare!);
  k.store(args, at, E.select(stopped, E.c(0, 'int32'), args.at(at)));
  return k.build({ sequential: true });
}

/** Dispatch the gate after step `t`, which zeroes `m` argument words from `from` once the loop has stopped. */
export function dispatchGate(
  pass: GPUComputePassEncoder, ectx: EncodeContext, pipe: GPUComputePipeline,
  buffers: { cond: GPUBuffer; state: GPUBuffer; args: GPUBuffer }, t: number, m: number, from: number, spare: number,
): void {
  const params = ectx.params(new Uint32Array(Int32Array.of(t, m, from, spare, m + 1).buffer));
  dispatch1d(ectx.device, pass, pipe, [params, buffers.cond, buffers.state, buffers.args], 1);
}

/**
 * A compute pass that counts its dispatches and, given an arguments buffer, makes them indirect:
 * dispatch k reads its workgroup counts from words `first + 3k` of `args`, and the counts it asked
 * for are written there into `counts`, the arguments' starting values. Steps encode through it
 * unchanged.
 */
export class IndirectPass {
  dispatched = 0;
  constructor(
    private readonly pass: GPUComputePassEncoder, private readonly args: GPUBuffer | null,
    private readonly counts: Uint32Array | null, private readonly first: number,
  ) {}

  asPass(): GPUComputePassEncoder {
    const pass = this.pass;
    const dispatch = (x: number, y: number, z: number) => this.dispatch(x, y, z);
    return {
      setPipeline: (p: GPUComputePipeline) => pass.setPipeline(p),
      setBindGroup: (index: number, group: GPUBindGroup | null) => pass.setBindGroup(index, group),
      dispatchWorkgroups: (x: number, y = 1, z = 1) => dispatch(x, y, z),
    } as unknown as GPUComputePassEncoder;
  }

  private dispatch(x: number, y: number, z: number): void {
    const word = this.first + 3 * this.dispatched++;
    if (!this.args || !this.counts) {
      this.pass.dispatchWorkgroups(x, y, z);
      return;
    }
    this.counts.set([x, y, z], word);
    this.pass.dispatchWorkgroupsIndirect(this.args, word * 4);
  }
}
