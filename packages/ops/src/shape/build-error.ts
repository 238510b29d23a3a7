import { TypeRuleError, captureSite } from '@hypatia/core';

/** An error from a builder function, before any node exists: it names the op and the user's line. */
export function buildError(op: string, detail: string): TypeRuleError {
  return new TypeRuleError(op, detail, captureSite());
}
