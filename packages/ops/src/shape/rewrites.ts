import { keepsType, registerRewrite, type LocalRewrite } from '@hypatia/core';
import { Subtensor } from './subtensor.js';

/**
 * `x[:, ::1]` is x. subtensor() builds a node even for a whole-tensor index (so incSubtensor can
 * read the index back); a compiled function should not pay a copy for it.
 */
export const wholeSubtensorRewrite: LocalRewrite = {
  kind: 'local',
  name: 'subtensor_whole',
  phase: 'canonicalize',
  apply(node) {
    if (!(node.op instanceof Subtensor)) return null;
    const whole = node.op.indices.every((a) => a.kind === 'slice' && a.start === null && a.stop === null && (a.step === null || a.step === 1));
    const x = node.inputs[0]!;
    return whole && keepsType(node.outputs[0]!, x) ? [x] : null;
  },
};

registerRewrite(wholeSubtensorRewrite);
