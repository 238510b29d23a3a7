import { HypatiaError, shapeSize, type Apply } from '@hypatia/core';
import { DimShuffle, Flatten, Reshape, ReshapeLike } from '@hypatia/ops';

/** The shape a view gives its first operand's buffer, from the operands' run-time shapes. */
export type ViewShape = (ins: readonly { shape: readonly number[] }[]) => number[];

/**
 * A reshape, flatten or dimshuffle that keeps the axes in order leaves the elements in row-major
 * order, so its output is its operand's buffer under a new shape: that shape, with the run-time
 * check its perform makes (a reshape to the wrong size is an error). null for any other node,
 * and for a dimshuffle that reorders axes (a copy).
 */
export function viewShape(node: Apply): ViewShape | null {
  const op = node.op;
  if (op instanceof DimShuffle) {
    const perm = op.pattern.filter((p): p is number => p !== 'x');
    if (!perm.every((p, i) => i === 0 || p > perm[i - 1]!)) return null;
    return ([x]) => op.pattern.map((p) => (p === 'x' ? 1 : x!.shape[p]!));
  }
  if (op instanceof Reshape) return ([x]) => op.resolve(shapeSize(x!.shape), node);
  if (op instanceof Flatten) return ([x]) => [...x!.shape.slice(0, op.ndim - 1), shapeSize(x!.shape.slice(op.ndim - 1))];
  if (op instanceof ReshapeLike) {
    return ([x, like]) => {
      if (shapeSize(x!.shape) !== shapeSize(like!.shape)) throw new HypatiaError(op.name, `cannot reshape ${shapeSize(x!.shape)} elements to [${like!.shape.join(', ')}]`, node.site);
      return [...like!.shape];
    };
  }
  return null;
}
