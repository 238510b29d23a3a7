import { registerRewrite, sameShapeOperand, type LocalRewrite } from '@hypatia/core';
import { ShapeAt } from './shape-of.js';

/**
 * shape_at(f(u, ...), axis) -> shape_at(u, axis) when u has f's run-time shape (core's
 * sameShapeOperand): mean's gradient divides by shape_at(x, axis) and reads x for nothing else, so
 * x may then fuse into its one remaining reader. In `specialize`, after stabilisation, so it never
 * keeps alive a value a stabilising rewrite would remove.
 */
export const shapeAtShapeSource: LocalRewrite<ShapeAt> = {
  kind: 'local',
  name: 'shape_at_shape_source',
  phase: 'specialize',
  tracks: [ShapeAt],
  apply(node) {
    const u = sameShapeOperand(node.inputs[0]!);
    return u ? [node.op.apply([u], node.site).outputs[0]!] : null;
  },
};

registerRewrite(shapeAtShapeSource);
