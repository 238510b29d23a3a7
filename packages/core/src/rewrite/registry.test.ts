import { describe, expect, it } from 'vitest';
import {
  Elemwise, FunctionGraph, HypatiaError, NDArray, Op, S, TensorType, dvector, optimize, registerRewrite,
  type Apply, type LocalRewrite, type Variable,
} from '@hypatia/core';

// Ops and rules of these tests only. The rules run in the 'inplace' phase, which has no rules of
// its own, and the tests run that phase alone.

class Tag extends Op {
  readonly name: string = 'tag';
  inferTypes(ts: readonly TensorType[]): TensorType[] { return [ts[0]!]; }
  perform([x]: readonly NDArray[]): NDArray[] { return [x!]; }
}
class SubTag extends Tag {
  override readonly name: string = 'sub_tag';
}
const twice = new Elemwise({ name: 'twice', arity: 1, formula: ([x]) => S.mul(x!, x!) });
const otherTwice = new Elemwise({ name: 'twice', arity: 1, formula: ([x]) => S.add(x!, x!) });

/** A rule that records the ops of the nodes it is called on and never rewrites. */
function watcher(name: string, tracks: LocalRewrite['tracks']) {
  const seen: string[] = [];
  registerRewrite({ kind: 'local', name, phase: 'inplace', tracks, apply(node) { seen.push(opLabel(node)); return null; } });
  return seen;
}

/** A rule that replaces its node by the node's operand. */
function remover(name: string, tracks: LocalRewrite['tracks']): void {
  registerRewrite({ kind: 'local', name, phase: 'inplace', tracks, apply: (node) => [node.inputs[0]!] });
}

const opLabel = (node: Apply) => (node.op === otherTwice ? 'twice(other)' : node.op.name);

/** x -> tag -> sub_tag -> twice -> twice(other), in that order. */
function chain(): { fg: FunctionGraph; out: Variable } {
  const x = dvector('x');
  const out = otherTwice.call(twice.call(new SubTag().call(new Tag().call(x))));
  return { fg: new FunctionGraph([x], [out]), out };
}

describe('local rewrites are called on the nodes of the ops they track', () => {
  it('by class (subclasses included), by op instance, or on every node', () => {
    const byTag = watcher('t_by_tag', [Tag]);
    const bySubTag = watcher('t_by_sub_tag', [SubTag]);
    const byInstance = watcher('t_by_instance', [twice]);
    const byElemwise = watcher('t_by_elemwise', [Elemwise]);
    const everyNode = watcher('t_every_node', 'all');
    optimize(chain().fg, { phases: ['inplace'] });
    expect(byTag).toEqual(['tag', 'sub_tag']);
    expect(bySubTag).toEqual(['sub_tag']);
    expect(byInstance).toEqual(['twice']);
    expect(byElemwise).toEqual(['twice', 'twice(other)']);
    expect(everyNode).toEqual(['tag', 'sub_tag', 'twice', 'twice(other)']);
  });

  it('in the order they were registered: the first that fires on a node wins', () => {
    remover('t_first_by_class', [SubTag]);
    remover('t_then_every_node', 'all');
    const { fg } = chain();
    optimize(fg, { phases: ['inplace'], exclude: ['t_by_tag', 't_by_sub_tag', 't_by_instance', 't_by_elemwise', 't_every_node'] });
    // 'all' comes second, so it removes tag, twice and twice(other); sub_tag goes to its own rule.
    expect(fg.nodes).toEqual([]);
    expect(fg.history.filter((h) => h === 't_first_by_class')).toHaveLength(1);
    expect(fg.history.filter((h) => h === 't_then_every_node')).toHaveLength(3);

    remover('t_first_every_node', 'all');
    remover('t_then_by_instance', [twice]);
    const second = chain().fg;
    optimize(second, { phases: ['inplace'], exclude: ['t_first_by_class', 't_then_every_node', 't_by_tag', 't_by_sub_tag', 't_by_instance', 't_by_elemwise', 't_every_node'] });
    expect(second.history).toEqual(['t_first_every_node', 't_first_every_node', 't_first_every_node', 't_first_every_node']);
  });

  it('must say what they track', () => {
    const rule = (tracks: unknown) => ({ kind: 'local', name: 't_untracked', phase: 'inplace', tracks, apply: () => null }) as unknown as LocalRewrite;
    for (const tracks of [undefined, [], ['log'], [Op], [Tag, 'sum'], 'some']) {
      expect(() => registerRewrite(rule(tracks)), String(tracks)).toThrow(HypatiaError);
    }
    expect(() => registerRewrite(rule(['log']))).toThrow(/rewrite t_untracked: tracks must list the op classes .* got \[log\]/);
  });
});
