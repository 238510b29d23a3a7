import { NDArray, Op, type TensorType } from '@hypatia/core';

/** A test op with no C kernel (x[i, j] * i): the native backend must run its JS perform. */
export class TimesRowIndex extends Op {
  readonly name = 'times_row_index';
  inferTypes([t]: readonly TensorType[]): TensorType[] {
    return [t!];
  }
  perform([x]: readonly NDArray[]): NDArray[] {
    const out = x!.copy();
    const cols = x!.shape[1]!;
    for (let i = 0; i < out.size; i++) out.data[i] = out.data[i]! * Math.floor(i / cols);
    return [out];
  }
}
