import * as core from '@hypatia/core';
import * as ops from '@hypatia/ops';
import { NDArray, SharedVariable, Variable, type DType } from '@hypatia/core';

/**
 * A fuzzer program: a straight-line script over the user API (core's constructors and grad, the
 * ops, random streams), kept as data so the same program can be built afresh for every backend
 * and printed as a script a person can run.
 */
export type Arg = { ref: string } | { lit: unknown } | { list: Arg[] } | { obj: Record<string, Arg> } | { lambda: Lambda };

/** A function passed to a call (scan's step): its parameters' names, its statements, and what it returns. */
export interface Lambda { params: string[]; body: Stmt[]; result: Arg }

export interface Stmt {
  /** The name bound to the result, or names for a destructured list (grad). */
  out: string | readonly string[];
  /** A function of @hypatia/core or @hypatia/ops, or a method of the value named by `on`. */
  fn: string;
  args: Arg[];
  on?: string;
}

/** One argument of a call: a nested array and its dtype. */
export interface ArgValue { data: unknown; dtype: DType }

/** A compiled function of the program: names of its inputs, outputs and updates. */
export interface FunctionDecl {
  inputs: string[];
  outputs: string[];
  updates: [string, string][];
}

/** What happens in turn: a call of one of the functions, or a shared variable set from outside. */
export type Event =
  | { call: number; args: ArgValue[] }
  | { set: string; value: ArgValue };

export interface Program {
  seed: number;
  /** The generator that made it (mlp, conv, dag). */
  family: string;
  dtype: DType;
  stmts: Stmt[];
  /** The training step first; others (an evaluation) read the same shared variables. */
  functions: FunctionDecl[];
  events: Event[];
}

/** A program built for one backend: its graph's handles and every shared variable it made. */
export interface BuiltProgram {
  functions: { inputs: Variable[]; outputs: Variable[]; updates: [SharedVariable, Variable][] }[];
  shared: { name: string; variable: SharedVariable }[];
}

const CORE_FNS = new Set(['tensor', 'shared', 'grad']);

export const ref = (name: string): Arg => ({ ref: name });
export const lit = (value: unknown): Arg => ({ lit: value });
export const list = (...items: Arg[]): Arg => ({ list: items });
export const obj = (fields: Record<string, Arg>): Arg => ({ obj: fields });
export const lambda = (params: string[], body: Stmt[], result: Arg): Arg => ({ lambda: { params, body, result } });

/** Builds the program's graph with fresh shared variables (each backend trains its own copy). */
export function buildProgram(p: Program): BuiltProgram {
  const env = new Map<string, unknown>();
  const shared: BuiltProgram['shared'] = [];
  const value = (a: Arg, scope: Map<string, unknown>): unknown => {
    if ('ref' in a) {
      if (!scope.has(a.ref)) throw new Error(`fuzz program ${p.seed}: ${a.ref} is used before it is bound`);
      return scope.get(a.ref);
    }
    if ('lit' in a) return a.lit;
    if ('list' in a) return a.list.map((x) => value(x, scope));
    // A lambda sees the names bound where it is written, and binds its own in a scope of its own.
    if ('lambda' in a) {
      const { params, body, result } = a.lambda;
      return (...xs: unknown[]) => {
        const inner = new Map(scope);
        params.forEach((name, i) => inner.set(name, xs[i]));
        run(body, inner);
        return value(result, inner);
      };
    }
    return Object.fromEntries(Object.entries(a.obj).map(([k, v]) => [k, value(v, scope)]));
  };
  const run = (stmts: readonly Stmt[], scope: Map<string, unknown>) => {
    for (const s of stmts) {
      const args = s.args.map((a) => value(a, scope));
      let result: unknown;
      if (s.fn === 'shared') {
        const [data, dtype, name] = args as [unknown, DType, string];
        const v = core.shared(NDArray.from(data as number[], dtype), name);
        shared.push({ name, variable: v });
        result = v;
      } else if (s.fn === 'RandomStreams') {
        result = new ops.RandomStreams(args[0] as number);
      } else if (s.on) {
        const target = scope.get(s.on) as Record<string, (...a: unknown[]) => unknown>;
        result = target[s.fn]!(...args);
      } else {
        const f = (CORE_FNS.has(s.fn) ? core : ops)[s.fn as never] as unknown as (...a: unknown[]) => unknown;
        if (typeof f !== 'function') throw new Error(`fuzz program ${p.seed}: unknown function ${s.fn}`);
        result = f(...args);
      }
      if (typeof s.out === 'string') scope.set(s.out, result);
      else s.out.forEach((name, k) => scope.set(name, (result as unknown[])[k]));
    }
  };
  run(p.stmts, env);
  // Random streams' states are shared variables too: compare them like the others.
  for (const [name, v] of env) {
    if (v instanceof ops.RandomStreams) v.states.forEach((st, k) => shared.push({ name: `${name}.states[${k}]`, variable: st }));
  }
  const get = (name: string) => env.get(name) as Variable;
  return {
    functions: p.functions.map((f) => ({
      inputs: f.inputs.map(get),
      outputs: f.outputs.map(get),
      updates: f.updates.map(([sv, e]): [SharedVariable, Variable] => [get(sv) as SharedVariable, get(e)]),
    })),
    shared,
  };
}

export function arrayOf(a: ArgValue): NDArray {
  return NDArray.from(a.data as number[], a.dtype);
}

function printArg(a: Arg): string {
  if ('ref' in a) return a.ref;
  if ('lit' in a) return JSON.stringify(a.lit).replace(/"/g, "'");
  if ('list' in a) return `[${a.list.map(printArg).join(', ')}]`;
  if ('lambda' in a) return `(${a.lambda.params.join(', ')}) => { ${a.lambda.body.map((s) => printStmt(s).trim()).join(' ')} return ${printArg(a.lambda.result)}; }`;
  return `{ ${Object.entries(a.obj).map(([k, v]) => `${k}: ${printArg(v)}`).join(', ')} }`;
}

function printStmt(s: Stmt): string {
  const lhs = typeof s.out === 'string' ? s.out : `[${s.out.join(', ')}]`;
  let rhs: string;
  if (s.fn === 'shared') {
    const [data, dtype, name] = s.args.map(printArg);
    rhs = `shared(NDArray.from(${data}, ${dtype}), ${name})`;
  } else if (s.fn === 'RandomStreams') rhs = `new RandomStreams(${printArg(s.args[0]!)})`;
  else rhs = `${s.on ? `${s.on}.` : ''}${s.fn}(${s.args.map(printArg).join(', ')})`;
  return `  const ${lhs} = ${rhs};`;
}

/**
 * The program as a self-contained script that builds it on the oracle and on one backend, runs
 * its calls and sets in turn, and prints every output and shared variable after each.
 */
export function printProgram(p: Program, config: { name: string; compile: Record<string, unknown> }, oracle: Record<string, unknown>): string {
  const used = new Set(allStmts(p.stmts).filter((s) => !s.on).map((s) => s.fn));
  const coreNames = ['NDArray', 'compile', ...[...used].filter((f) => CORE_FNS.has(f))].sort();
  const opNames = [...used].filter((f) => !CORE_FNS.has(f) && f !== 'RandomStreams');
  if (used.has('RandomStreams')) opNames.push('RandomStreams');
  const sharedNames = p.stmts.filter((s) => s.fn === 'shared').map((s) => s.out as string);
  const array = (a: ArgValue) => `NDArray.from(${JSON.stringify(a.data)}, '${a.dtype}')`;
  const events = p.events.map((e) => ('call' in e ? `  (fs) => fs[${e.call}](${e.args.map(array).join(', ')}),` : `  (fs, s) => s.${e.set}.set(${array(e.value)}),`));
  const fn = (f: FunctionDecl) => `compile({ inputs: [${f.inputs.join(', ')}], outputs: [${f.outputs.join(', ')}], updates: [${f.updates.map(([sv, e]) => `[${sv}, ${e}]`).join(', ')}], ...options })`;
  return [
    `import '@hypatia/backends';`,
    `import { ${coreNames.join(', ')} } from '@hypatia/core';`,
    `import { ${opNames.sort().join(', ')} } from '@hypatia/ops';`,
    ``,
    `async function build(options: Record<string, unknown>) {`,
    ...p.stmts.map(printStmt),
    `  const fs = [`,
    ...p.functions.map((f) => `    await ${fn(f)},`),
    `  ];`,
    `  return { fs, shared: { ${sharedNames.join(', ')} } };`,
    `}`,
    ``,
    `type Fns = Awaited<ReturnType<typeof build>>;`,
    `const events: ((fs: Fns['fs'], s: Fns['shared']) => unknown)[] = [`,
    ...events,
    `];`,
    `for (const [name, options] of [['oracle', ${printArg({ lit: oracle })}], ['${config.name}', ${printArg({ lit: config.compile })}]] as const) {`,
    `  const { fs, shared } = await build(options);`,
    `  for (const [k, event] of events.entries()) {`,
    `    const outs = await event(fs, shared);`,
    `    if (Array.isArray(outs)) console.log(name, 'event', k, 'outputs', outs.map((o) => Array.from(o.data)));`,
    `    for (const [s, v] of Object.entries(shared)) console.log(name, 'event', k, s, Array.from(v.get().data));`,
    `  }`,
    `}`,
  ].join('\n');
}

/** The statements of a program and of every lambda inside it. */
function allStmts(stmts: readonly Stmt[]): Stmt[] {
  const inArg = (a: Arg): Stmt[] => ('lambda' in a ? [...allStmts(a.lambda.body), ...inArg(a.lambda.result)] : 'list' in a ? a.list.flatMap(inArg) : 'obj' in a ? Object.values(a.obj).flatMap(inArg) : []);
  return stmts.flatMap((s) => [s, ...s.args.flatMap(inArg)]);
}
