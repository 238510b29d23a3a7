import { HypatiaError, type Apply } from '@hypatia/core';
import { ScanLayout, initialIsState, initialRows, tapSpan, type ScanInfo } from './scan-info.js';

/**
 * How a Scan node runs for given input shapes, as every backend runs it: which row of which
 * buffer each inner input reads at step t and which row each output writes. The reference
 * semantics (`Scan.perform`), the native loop and the WebGPU submission all follow it, so they
 * agree by construction; a backend only moves rows.
 *
 * Each output lives in one buffer of `rows` rows of its value: a recurrent output's first rows
 * hold its initial state, then one row per step; when only its final value is returned, the
 * buffer is a ring just long enough for the taps (initial rows + 1). Step t writes row
 * (t + initialRows) and reads tap k at row (t + k + initialRows), modulo `rows` for a ring.
 */

/** A row as a function of the step t: c0 + c1 * t, modulo `ring` when it is not 0. */
export interface RowAt {
  readonly c0: number;
  readonly c1: number;
  readonly ring: number;
}

/** The row `p` names at step `t`. */
export function rowAt(p: RowAt, t: number): number {
  const r = p.c0 + p.c1 * t;
  return p.ring ? ((r % p.ring) + p.ring) % p.ring : r;
}

/**
 * The rows a scan keeps for one output: how many, where its initial state comes from, the row each step writes, and where the returned stack starts.
 */
export interface ScanBuffer {
  /** The output (index among the info's outputs) this buffer holds. */
  readonly output: number;
  readonly rows: number;
  /** Rows copied from the initial state before the first step (0 for an output that does not feed back). */
  readonly initialRows: number;
  /** The outer input holding the initial state, or -1. */
  readonly initialInput: number;
  /** The initial state is one row, given as the state itself (tap [-1]). */
  readonly initialIsState: boolean;
  /** The row step t writes. */
  readonly write: RowAt;
  /** The stacked output is rows [stackedFrom, stackedFrom + steps); -1 when the node does not return it. */
  readonly stackedFrom: number;
}

/**
 * Which rows a scan's steps read and write: each output's buffer, and where each inner input reads from (a sequence's row, an output's tap, or a whole outer input).
 */
export interface ScanSchedule {
  /** Steps to run (with `until`, the most it may run). */
  readonly steps: number;
  readonly buffers: readonly ScanBuffer[];
  /** Inner inputs that read a row of an outer input (the sequences). */
  readonly sequenceReads: readonly { readonly inner: number; readonly input: number; readonly row: RowAt }[];
  /** Inner inputs that read a row of an output's buffer (the taps). */
  readonly tapReads: readonly { readonly inner: number; readonly output: number; readonly row: RowAt }[];
  /** Inner inputs that are an outer input as a whole (the non-sequences). */
  readonly wholeReads: readonly { readonly inner: number; readonly input: number }[];
}

/** The row holding an output's value after `count` steps (its initial state's last row when count is 0). */
export function finalRow(b: ScanBuffer, count: number): number {
  return rowAt(b.write, count - 1);
}

/**
 * The schedule for outer inputs of `shapes`, with `nSteps` the value of the steps input (when the
 * node has one). Makes the node's run-time checks, with errors naming the scan, the shapes and
 * the user's line.
 */
export function scanSchedule(info: ScanInfo, node: Apply, shapes: readonly (readonly number[])[], nSteps?: number): ScanSchedule {
  const layout = new ScanLayout(info);
  const fail = (why: string): never => { throw new HypatiaError('scan', why, node.site); };
  let steps: number;
  if (info.hasNSteps) {
    steps = nSteps!;
    if (!Number.isInteger(steps) || steps < 0) fail(`nSteps is ${steps}; it must be a non-negative integer`);
  } else {
    steps = Infinity;
    info.sequences.forEach((s, j) => { steps = Math.min(steps, shapes[layout.sequence(j)]![0]! - tapSpan(s.taps)); });
  }
  info.sequences.forEach((s, j) => {
    const len = shapes[layout.sequence(j)]![0]!;
    const span = tapSpan(s.taps);
    if (len - span < steps || len < span) {
      fail(`sequence ${j} has ${len} elements along axis 0, but ${steps} steps${span ? ` reading taps [${s.taps.join(', ')}]` : ''} need ${Math.max(steps, 0) + span}`);
    }
  });
  steps = Math.max(0, steps);

  const sequenceReads = info.sequences.flatMap((s, j) => {
    const len = shapes[layout.sequence(j)]![0]!;
    const m = Math.min(...s.taps);
    return s.taps.map((k, q) => ({
      inner: layout.innerSequence(j, q),
      input: layout.sequence(j),
      row: info.goBackwards ? { c0: len - 1 - (k - m), c1: -1, ring: 0 } : { c0: k - m, c1: 1, ring: 0 },
    }));
  });
  const buffers = info.outputs.map((o, i): ScanBuffer => {
    const nInit = initialRows(o);
    const recurrent = nInit > 0;
    if (recurrent && !initialIsState(o)) {
      const init = shapes[layout.initial(i)]!;
      if (init.length === 0 || init[0] !== nInit) {
        fail(`output ${i} reads taps [${o.taps.join(', ')}], so its initial state needs ${nInit} rows along axis 0; it has shape [${init.join(', ')}]`);
      }
    }
    const rows = o.stacked ? nInit + steps : nInit + 1;
    return {
      output: i,
      rows,
      initialRows: nInit,
      initialInput: recurrent ? layout.initial(i) : -1,
      initialIsState: initialIsState(o),
      write: { c0: nInit, c1: 1, ring: o.stacked ? 0 : rows },
      stackedFrom: o.stacked ? nInit : -1,
    };
  });
  const tapReads = layout.recurrent.flatMap((i) => info.outputs[i]!.taps.map((k, q) => {
    const b = buffers[i]!;
    return { inner: layout.innerTap(i, q), output: i, row: { c0: k + b.initialRows, c1: 1, ring: b.write.ring } };
  }));
  const wholeReads = Array.from({ length: info.nonSequences }, (_, k) => ({ inner: layout.innerNonSequence(k), input: layout.nonSequence(k) }));
  return { steps, buffers, sequenceReads, tapReads, wholeReads };
}

/** The shape of one row (one step's value) of output i's buffer, from its initial state; null when it does not feed back. */
export function initialRowShape(b: ScanBuffer, initial: readonly number[]): number[] {
  return b.initialIsState ? [...initial] : initial.slice(1);
}

/**
 * Scan's error for output `i`, whose step `t` has `shape` where its rows have `rows` (the shape
 * its initial state or its step 0 gave): an output keeps its shape from step to step.
 */
export function stepShapeError(node: Apply, b: ScanBuffer, i: number, t: number, shape: readonly number[], rows: readonly number[]): HypatiaError {
  const from = b.initialInput >= 0 && t === 0 ? 'in its initial state' : 'at step 0';
  return new HypatiaError('scan', `its output ${i} has shape [${shape.join(', ')}] at step ${t}, but [${rows.join(', ')}] ${from}; an output keeps its shape from step to step`, node.site);
}

/** Scan's error for the final value of output `i`, which does not feed back, of a loop that ran no step. */
export function noFinalValueError(node: Apply, i: number): HypatiaError {
  return new HypatiaError('scan', `its output ${i} does not feed back, so it has no final value after 0 steps`, node.site);
}
