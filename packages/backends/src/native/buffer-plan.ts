import { typedArrayFor, type Apply, type DType, type TypedArray, type Variable } from '@hypatia/core';

/**
 * When each intermediate buffer dies, so a later step can write into it. A view (or a slice, which
 * may be one) shares its source's buffer, so the source lives as long as the last reader of any view of it. An op run
 * through its JS `perform` may return an alias of an input, so its inputs live as long as its
 * outputs. Variables that leave the function keep their buffers to the end of the call.
 */
export function releaseSchedule(
  steps: readonly { node: Apply; kind: string }[],
  pooled: ReadonlySet<Variable>,
  escaping: Iterable<Variable>,
): Variable[][] {
  const root = new Map<Variable, Variable>();
  const rootOf = (v: Variable): Variable => root.get(v) ?? v;
  for (const s of steps) if (s.kind === 'view' || s.kind === 'slice') root.set(s.node.outputs[0]!, rootOf(s.node.inputs[0]!));
  const end = steps.length;
  const last = new Map<Variable, number>();
  for (const o of escaping) last.set(rootOf(o), end);
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!;
    let until = i;
    if (s.kind === 'host') for (const o of s.node.outputs) until = Math.max(until, last.get(rootOf(o)) ?? i);
    for (const v of s.node.inputs) {
      const r = rootOf(v);
      last.set(r, Math.max(last.get(r) ?? -1, until));
    }
    for (const o of s.node.outputs) if (!last.has(rootOf(o))) last.set(rootOf(o), i);
  }
  const schedule: Variable[][] = steps.map(() => []);
  for (const v of pooled) {
    const i = last.get(v) ?? end;
    if (i < end) schedule[i]!.push(v);
  }
  return schedule;
}

/** Free buffers by dtype and length; steady-state calls with unchanged shapes allocate nothing. */
export class BufferPool {
  private readonly free = new Map<string, TypedArray[]>();
  take(dtype: DType, n: number): TypedArray {
    return this.free.get(`${dtype}:${n}`)?.pop() ?? typedArrayFor(dtype, n);
  }
  put(dtype: DType, a: TypedArray): void {
    const key = `${dtype}:${a.length}`;
    const list = this.free.get(key);
    if (list) list.push(a);
    else this.free.set(key, [a]);
  }
}
