import { build, type Plugin } from 'esbuild';
import { builtinModules } from 'node:module';

// Builds code the way a page's bundler would (esbuild, platform 'browser', so packages resolve
// through their `browser` export condition) and lists every import of a Node built-in in it.

const NODE_BUILTINS = new Set(builtinModules);
const RESOLVING = Symbol('resolving a built-in');

export interface BrowserBundle {
  code: string;
  /** Each Node built-in the bundle imports, as `specifier (from importer)`; a page has none of them. */
  nodeImports: string[];
}

export interface BrowserBundleOptions {
  /** Where bare specifiers in `source` resolve from (a project with the packages installed). */
  resolveDir: string;
  format?: 'esm' | 'iife';
  /** Resolvers that run before the built-in check (to map packages to their sources). */
  plugins?: Plugin[];
}

export async function bundleForBrowser(source: string, options: BrowserBundleOptions): Promise<BrowserBundle> {
  const nodeImports: string[] = [];
  const findNodeBuiltins: Plugin = {
    name: 'find-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        const name = args.path.startsWith('node:') ? args.path : args.path.split('/')[0]!;
        if ((!name.startsWith('node:') && !NODE_BUILTINS.has(name)) || args.pluginData === RESOLVING) return undefined;
        // A package may map a built-in away for browsers (`"browser": { "crypto": false }`): only
        // an import that still resolves to nothing is one a page cannot satisfy.
        const resolved = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: RESOLVING });
        if (resolved.errors.length === 0 && !resolved.external) return undefined;
        nodeImports.push(`${args.path} (from ${args.importer || 'the entry'})`);
        return { path: args.path, external: true };
      });
    },
  };
  const result = await build({
    stdin: { contents: source, resolveDir: options.resolveDir, loader: 'ts', sourcefile: 'page.ts' },
    bundle: true,
    write: false,
    platform: 'browser',
    format: options.format ?? 'esm',
    target: 'es2022',
    logLevel: 'silent',
    plugins: [...(options.plugins ?? []), findNodeBuiltins],
  });
  return { code: result.outputFiles[0]!.text, nodeImports };
}
