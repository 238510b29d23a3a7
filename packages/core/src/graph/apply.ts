import { captureSite, type Site } from '../site.js';
import type { Op } from './op.js';
import { Variable } from './variable.js';
import type { TensorType } from './type.js';

/** One application of an op to input variables, producing output variables. */
export class Apply {
  readonly outputs: Variable[];
  constructor(readonly op: Op, readonly inputs: Variable[], outputTypes: TensorType[], readonly site: Site = captureSite()) {
    this.outputs = outputTypes.map((t, i) => new Variable(t, this, i, undefined, site));
  }

  /** The single output of a one-output op. */
  get out(): Variable {
    return this.outputs[0]!;
  }
}
