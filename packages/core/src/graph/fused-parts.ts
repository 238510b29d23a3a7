import { HypatiaError } from '../errors.js';
import type { Site } from '../site.js';
import type { Apply } from './apply.js';
import { broadcastDeclared, type TensorType } from './type.js';

/** Where an operand of a fused part comes from: an operand of the fused node, an earlier part's result, or a scalar written into the formula. */
export type PartSource = { readonly input: number } | { readonly part: number } | { readonly literal: true };

/** An operand of a fused part: where its value comes from and its type in the user's graph. */
export interface PartOperand {
  readonly from: PartSource;
  /** The operand's static type in the user's graph (it decides which axes may stretch). */
  readonly type: TensorType;
}

/**
 * One of the user's elementwise nodes inside a fused op: its op's name, the line that built it and
 * what it read. A fused op lists its parts in evaluation order, its result last, so that a run-time
 * error names the user's op and line rather than the fused kernel.
 */
export interface FusedPart {
  readonly op: string;
  readonly site: Site;
  readonly operands: readonly PartOperand[];
}

/**
 * The error the unfused graph would have raised for operands of `inputShapes` (indexed as the parts'
 * `input` sources): the first part, in evaluation order, whose operands do not broadcast. Null when
 * every part's operands broadcast.
 */
export function blameFusedPart(parts: readonly FusedPart[] | undefined, inputShapes: readonly (readonly number[] | undefined)[]): HypatiaError | null {
  if (!parts?.length) return null;
  const results: (readonly number[])[] = [];
  for (const part of parts) {
    const shapes = part.operands.map(({ from }) => ('input' in from ? inputShapes[from.input] : 'part' in from ? results[from.part] : []));
    if (!shapes.every((s): s is readonly number[] => s !== undefined)) return null;
    const shape = broadcastDeclared(shapes, part.operands.map((o) => o.type));
    if (typeof shape === 'string') return new HypatiaError(part.op, shape, part.site);
    results.push(shape);
  }
  return null;
}

/** The user's nodes behind `node`: its op's parts when a rewrite fused it, else the node itself (over its own operands). */
export function partsOfNode(node: Apply): readonly FusedPart[] {
  return node.op.fusedParts?.length
    ? node.op.fusedParts
    : [{ op: node.op.name, site: node.site, operands: node.inputs.map((v, i) => ({ from: { input: i }, type: v.type })) }];
}

/**
 * `node`'s parts as parts of a larger fused op: its operand k comes from `operands[k]` there, and
 * its parts are numbered from `offset`.
 */
export function embedParts(node: Apply, operands: readonly PartSource[], offset: number): FusedPart[] {
  const move = (from: PartSource): PartSource => ('input' in from ? operands[from.input]! : 'part' in from ? { part: offset + from.part } : from);
  return partsOfNode(node).map((p) => ({ ...p, operands: p.operands.map((o) => ({ from: move(o.from), type: o.type })) }));
}
