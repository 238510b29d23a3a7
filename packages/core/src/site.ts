/**
 * Where a user built a node. Capturing an Error is cheap (V8 formats the stack lazily), so every
 * Apply and Variable keeps one, and the frames are only read when an error message needs them.
 */
const INTERNAL = /[\\/]packages[\\/](core|ops|backends|nn)[\\/](src|dist)[\\/]|[\\/]node_modules[\\/]|node:internal|<anonymous>|\(native\)/;

export class Site {
  private cached: string | undefined;
  constructor(private readonly error: Error | null) {}

  /** `file:line:col` of the first frame outside Hypatia's own packages, or `<unknown>`. */
  get location(): string {
    if (this.cached === undefined) this.cached = userFrame(this.error?.stack ?? '');
    return this.cached;
  }

  toString(): string {
    return this.location;
  }
}

export const UNKNOWN_SITE = new Site(null);

export function captureSite(): Site {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const e = new Error();
  Error.stackTraceLimit = limit;
  return new Site(e);
}

function userFrame(stack: string): string {
  const lines = stack.split('\n').slice(1);
  for (const line of lines) {
    const m = /\(?((?:file:\/\/)?[^\s()]+:\d+:\d+)\)?\s*$/.exec(line.trim());
    if (!m) continue;
    const loc = m[1]!;
    // Tests live beside the code but are the user's side of the API.
    if (!/\.(test|bench)\.[cm]?[jt]s:/.test(loc) && (INTERNAL.test(loc) || INTERNAL.test(line))) continue;
    return loc.replace(/^file:\/\//, '');
  }
  return '<unknown>';
}
