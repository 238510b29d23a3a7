import type { Site } from './site.js';

/** Every error Hypatia raises about a user's graph or call: it names the op and where the node was built. */
export class HypatiaError extends Error {
  constructor(readonly op: string, readonly detail: string, readonly site?: Site) {
    super(`${op}: ${detail}${site ? `\n  (node built at ${site.location}${site.origin && site.origin !== op ? ` as ${site.origin}, then rewritten` : ''})` : ''}`);
    this.name = 'HypatiaError';
  }
}

/** Raised while a node is being built: a type or shape rule rejected its inputs. */
export class TypeRuleError extends HypatiaError {
  constructor(op: string, detail: string, site?: Site) {
    super(op, detail, site);
    this.name = 'TypeRuleError';
  }
}

/** Raised by a compiled function for bad arguments; no shared variable has changed when it is thrown. */
export class CallError extends HypatiaError {
  constructor(fn: string, detail: string) {
    super(fn, detail);
    this.name = 'CallError';
  }
}

/**
 * Raised by `grad` and ops' gradients: no gradient for an op, a gradient of the wrong type, or a `wrt` the cost does not depend on.
 */
export class GradientError extends HypatiaError {
  constructor(op: string, detail: string, site?: Site) {
    super(op, detail, site);
    this.name = 'GradientError';
  }
}
