import { describe, expect, it } from 'vitest';
import * as core from '@hypatia/core';
import { Op, toposort } from '@hypatia/core';
import * as ops from '../index.js';
import * as opsBackend from '../backend.js';
import { OP_TABLE } from './op-table.js';

type OpClass = abstract new (...args: never[]) => Op;

/**
 * Exported Op classes that no graph holds a node of, with the reason. Only abstract bases belong
 * here: every class a node can have must have a row.
 */
const ABSTRACT_BASES: Record<string, string> = {
  AxisReduction: 'abstract base of Sum, Prod and Extremum (axes and keepdims); nodes are of those classes',
  ConvOp: 'abstract base of Conv2d, Conv2dGradInput and Conv2dGradFilters (their shared geometry); nodes are of those classes',
};

/** Every class exported by @hypatia/core, @hypatia/ops or @hypatia/ops/backend (Scan, IfElse) whose prototype chain includes Op. */
function exportedOpClasses(): Map<string, OpClass> {
  const found = new Map<string, OpClass>();
  for (const mod of [core, ops, opsBackend] as Record<string, unknown>[]) {
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value === 'function' && value.prototype instanceof Op) found.set(name, value as OpClass);
    }
  }
  return found;
}

/** The classes of the nodes of each row's graph, built as the backends build it. */
function rowsByClass(): Map<Function, string[]> {
  const rows = new Map<Function, string[]>();
  for (const c of OP_TABLE) {
    const { outputs } = c.build();
    for (const node of toposort(outputs)) {
      const cls = node.op.constructor;
      const names = rows.get(cls) ?? [];
      if (!names.includes(c.name)) names.push(c.name);
      rows.set(cls, names);
    }
  }
  return rows;
}

describe('the op table covers every exported op', () => {
  const classes = exportedOpClasses();
  const rows = rowsByClass();

  it('finds the op classes of both packages and the backend subpath, fused ones included', () => {
    for (const name of ['Elemwise', 'Composite', 'Fused', 'ProductEpilogue', 'Dot', 'RandomOp', 'MaxPool2dGradGrad', 'Scan', 'IfElse']) {
      expect(classes.has(name), name).toBe(true);
    }
  });

  for (const [name, cls] of classes) {
    if (name in ABSTRACT_BASES) continue;
    it(`${name} has a row whose graph holds a node of that class`, () => {
      expect(rows.get(cls) ?? [], `no op-table row builds a ${name} node; add one to packages/ops/src/testing/cases/`).not.toHaveLength(0);
    });
  }

  for (const [name, reason] of Object.entries(ABSTRACT_BASES)) {
    it(`${name} is left out as an abstract base (${reason})`, () => {
      const base = classes.get(name);
      expect(base, `${name} is no longer exported; drop it from ABSTRACT_BASES`).toBeDefined();
      const subclasses = [...classes].filter(([, c]) => c.prototype instanceof base!).map(([n]) => n);
      expect(subclasses.length, `${name} has no exported subclass`).toBeGreaterThan(0);
      expect(rows.has(base!), `a row builds a node of ${name} itself, so it is not abstract`).toBe(false);
    });
  }

  it('row names are unique (backend tests report by name)', () => {
    const names = OP_TABLE.map((c) => c.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});
