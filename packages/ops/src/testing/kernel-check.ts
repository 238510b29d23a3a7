import { runProgramJS, type Apply, type NDArray } from '@hypatia/core';

/**
 * A node's outputs from its kernels (run by the JavaScript printer) against its reference
 * `perform`, bit for bit: the description of the first difference (shape, dtype, or the element's
 * bytes, so -0 and NaN payloads count), or null when they are identical. For unit tests of a
 * lowering that must copy or compute exactly what perform does.
 */
export function kernelsDiffer(node: Apply, inputs: readonly NDArray[]): string | null {
  const program = node.op.kernels?.(node);
  if (!program) return `${node.op.name} has no kernels`;
  const want = node.op.perform(inputs, node);
  const got = runProgramJS(node, program, inputs);
  for (let k = 0; k < want.length; k++) {
    const [w, g] = [want[k]!, got[k]!];
    if (g.dtype !== w.dtype) return `output ${k}: dtype ${g.dtype}, expected ${w.dtype}`;
    if (g.shape.length !== w.shape.length || g.shape.some((d, i) => d !== w.shape[i])) return `output ${k}: shape [${g.shape.join(', ')}], expected [${w.shape.join(', ')}]`;
    const size = w.data.BYTES_PER_ELEMENT;
    const wb = new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength);
    const gb = new Uint8Array(g.data.buffer, g.data.byteOffset, g.data.byteLength);
    for (let i = 0; i < wb.length; i++) {
      if (wb[i] !== gb[i]) return `output ${k}: element ${Math.floor(i / size)} is ${g.data[Math.floor(i / size)]}, expected ${w.data[Math.floor(i / size)]}`;
    }
  }
  return null;
}
