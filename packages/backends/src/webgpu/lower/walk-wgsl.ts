/**
 * WGSL that splits the flat position `v` over a shape at params[shapeAt..] (rank `nd`, row-major)
 * and adds coordinate * stride to each accumulator, the strides at params[strideAt[k]..]: the
 * routines' batch and epilogue offsets.
 */
export function walk(v: string, nd: number, shapeAt: string, accs: readonly { acc: string; strideAt: string }[]): string {
  if (nd === 0) return '';
  const lines = [`{ var rem = ${v};`];
  for (let j = nd - 1; j >= 0; j--) {
    lines.push(`  { let len = params[${shapeAt} + ${j}u]; let c = rem % len; rem = rem / len; ${accs.map((a) => `${a.acc} += c * params[${a.strideAt} + ${j}u];`).join(' ')} }`);
  }
  lines.push('}');
  return lines.join('\n  ');
}
