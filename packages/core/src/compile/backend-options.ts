import { HypatiaError } from '../errors.js';
import type { Backend } from './backend.js';

/**
 * Reject backendOptions keys the backend does not read, so that a misspelt option (`thredas`) is an
 * error at compile time rather than a setting silently ignored. Backends that declare no
 * `optionNames` (a user's own) are not checked.
 */
export function checkBackendOptions(fn: string, backend: Backend, options: Readonly<Record<string, unknown>>): void {
  const valid = backend.optionNames;
  if (!valid) return;
  const unknown = Object.keys(options).filter((k) => !valid.includes(k));
  if (!unknown.length) return;
  const named = unknown.map((k) => {
    const near = nearestName(k, valid);
    return `'${k}'${near ? ` (did you mean '${near}'?)` : ''}`;
  });
  const takes = valid.length ? `its options are ${valid.join(', ')}` : 'it takes none';
  throw new HypatiaError(fn, `backend '${backend.name}' has no option ${named.join(', ')} in backendOptions; ${takes}`);
}

/** The valid name a typo most likely meant: the only one within a small edit distance, else none. */
export function nearestName(typed: string, valid: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(typed.length / 3));
  const scored = valid.map((v) => ({ v, d: editDistance(typed.toLowerCase(), v.toLowerCase()) })).filter((s) => s.d <= limit);
  const best = Math.min(...scored.map((s) => s.d));
  const closest = scored.filter((s) => s.d === best);
  return closest.length === 1 ? closest[0]!.v : undefined;
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn a into b. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}
