import { describe, expect, it } from 'vitest';
import { HypatiaError, NDArray, Op, TensorType } from '@hypatia/core';

/** A test op whose parameters are `axis` and `keepdims`; `note` is not one. */
class Fold extends Op {
  readonly name = 'fold';
  static override readonly props = ['axis', 'keepdims'];
  constructor(readonly axis: number, readonly keepdims: boolean, readonly note = '') { super(); }
  inferTypes(ts: readonly TensorType[]): TensorType[] { return [ts[0]!]; }
  perform([x]: readonly NDArray[]): NDArray[] { return [x!]; }
}

/** Adds a parameter to its parent's, and one read through a getter. */
class ScaledFold extends Fold {
  static override readonly props = [...Fold.props, 'scale', 'sign'];
  constructor(axis: number, keepdims: boolean, readonly scale: number) { super(axis, keepdims); }
  get sign(): number { return Math.sign(this.scale); }
}

/** An op whose parameter is another op. */
class Wrap extends Op {
  readonly name = 'wrap';
  static override readonly props = ['inner'];
  constructor(readonly inner: Op) { super(); }
  inferTypes(ts: readonly TensorType[]): TensorType[] { return [ts[0]!]; }
  perform([x]: readonly NDArray[]): NDArray[] { return [x!]; }
}

describe('Op parameters come from static props', () => {
  it('props(), key() and toString() read the listed fields, in order, and nothing else', () => {
    const op = new Fold(1, false, 'ignored');
    expect(op.props()).toEqual({ axis: 1, keepdims: false });
    expect(op.key()).toBe('fold{"axis":1,"keepdims":false}');
    expect(op.toString()).toBe('fold{axis=1, keepdims=false}');
    expect(new Fold(1, false, 'other').key()).toBe(op.key());
    expect(new Fold(0, false).key()).not.toBe(op.key());
  });

  it('a subclass extends its parent list; getters count as fields', () => {
    const op = new ScaledFold(0, true, -2);
    expect(op.props()).toEqual({ axis: 0, keepdims: true, scale: -2, sign: -1 });
    expect(op.toString()).toBe('fold{axis=0, keepdims=true, scale=-2, sign=-1}');
    expect(new ScaledFold(0, true, 3).key()).not.toBe(op.key());
  });

  it('an op without parameters has none, and prints as its name', () => {
    class Plain extends Op {
      readonly name = 'plain';
      inferTypes(ts: readonly TensorType[]): TensorType[] { return [ts[0]!]; }
      perform([x]: readonly NDArray[]): NDArray[] { return [x!]; }
    }
    expect(new Plain().props()).toEqual({});
    expect(new Plain().key()).toBe('plain{}');
    expect(new Plain().toString()).toBe('plain');
  });

  it('an op parameter counts by its key', () => {
    expect(new Wrap(new Fold(2, true)).key()).toBe(new Wrap(new Fold(2, true, 'other')).key());
    expect(new Wrap(new Fold(2, true)).key()).not.toBe(new Wrap(new Fold(1, true)).key());
    expect(new Wrap(new Fold(2, true)).toString()).toBe('wrap{inner="fold{\\"axis\\":2,\\"keepdims\\":true}"}');
  });

  it('a listed name that is not a field is an error naming the op and the name', () => {
    class Misspelt extends Fold { static override readonly props = ['axes']; }
    const op = new Misspelt(0, false);
    expect(() => op.key()).toThrow(HypatiaError);
    expect(() => op.key()).toThrow(/fold: static props names 'axes', which is not a field of Misspelt/);
  });
});
