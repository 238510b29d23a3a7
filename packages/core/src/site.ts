/**
 * Where a user built a node. Capturing an Error is cheap (V8 formats the stack lazily), so every
 * Apply and Variable keeps one, and the frames are only read when an error message needs them.
 */
const INTERNAL = /[\\/]packages[\\/](core|ops|backends|nn)[\\/](src|dist)[\\/]|[\\/]node_modules[\\/]|^node:|^<anonymous>$|^eval at /;

/**
 * Where a node was built: the user's `file:line:col`, read from a captured stack only when a message needs it.
 */
export class Site {
  private cached: string | undefined;
  constructor(
    private readonly error: Error | null,
    /** For a node a rewrite built in place of the user's: the op the user wrote there. */
    readonly origin?: string,
  ) {}

  /** This site, for a node a rewrite builds in place of the user's node of op `op`. */
  rewrittenFrom(op: string): Site {
    return this.origin !== undefined ? this : new Site(this.error, op);
  }

  /** `file:line:col` of the first frame outside Hypatia's own packages, or `<unknown>`. */
  get location(): string {
    if (this.cached === undefined) this.cached = userFrame(this.error?.stack ?? '');
    return this.cached;
  }

  toString(): string {
    return this.location;
  }
}

/** The site of a node built where no stack was captured; prints `<unknown>`. */
export const UNKNOWN_SITE = new Site(null);

/** While a rewrite replaces a node, the nodes it builds are attributed to the user's line (and op) for that node. */
let inherited: Site | null = null;

/** The caller's site (or, while a rewrite replaces a node, the site of the user's node it replaces). */
export function captureSite(): Site {
  if (inherited) return inherited;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const e = new Error();
  Error.stackTraceLimit = limit;
  return new Site(e);
}

/** Run `build` with every node and variable it creates taking `site` as its creation site. */
export function withSite<T>(site: Site, build: () => T): T {
  const outer = inherited;
  inherited = site;
  try {
    return build();
  } finally {
    inherited = outer;
  }
}

/**
 * A V8 frame is `at FUNCTION (FILE:LINE:COL)` or `at FILE:LINE:COL`; the function part may itself be
 * `<anonymous>` (top-level code of an ES module under tsx) or `Object.<anonymous>` (of a CommonJS
 * module), so only the file decides whether a frame is Hypatia's. Firefox and Safari write
 * `FUNCTION@FILE:LINE:COL`.
 */
const V8_FRAME = /^\s*at (?:.*? \()?(.+):(\d+):(\d+)\)?$/;
const OTHER_FRAME = /^(?:[^@]*@)?(.+):(\d+):(\d+)$/;

function userFrame(stack: string): string {
  for (const line of stack.split('\n').slice(1)) {
    const m = V8_FRAME.exec(line) ?? OTHER_FRAME.exec(line.trim());
    if (!m) continue;
    const file = m[1]!;
    // Tests live beside the code but are the user's side of the API.
    if (INTERNAL.test(file) && !/\.(test|bench)\.[cm]?[jt]s$/.test(file)) continue;
    return `${readable(file)}:${m[2]}:${m[3]}`;
  }
  return '<unknown>';
}

/** A file path as the user would type it: `file://` URLs decoded, relative to the working directory when under it. */
function readable(file: string): string {
  let path = file;
  if (path.startsWith('file://')) {
    path = path.replace(/^file:\/\/\/([A-Za-z]:)/, '$1').replace(/^file:\/\//, '');
    try {
      path = decodeURI(path);
    } catch {
      // A malformed escape: keep the path as written.
    }
  }
  const cwd = typeof process !== 'undefined' && typeof process.cwd === 'function' ? process.cwd() : '';
  for (const sep of ['/', '\\']) {
    if (cwd && path.startsWith(cwd + sep)) return path.slice(cwd.length + 1);
  }
  return path;
}
