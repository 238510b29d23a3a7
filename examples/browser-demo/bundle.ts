// Bundles a page as a user's bundler would: esbuild for the browser, each @hypatia/* import
// resolved through its package's `exports` under the `browser` condition. The entry named there
// (./dist/X.js) is read from the workspace's sources (src/X.ts), so no package build is needed.
import { build, type Plugin } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

type Conditions = { [condition: string]: string | Conditions };

/** The file `exports[subpath]` names for a browser's ES module import. */
function browserEntry(exports: Record<string, Conditions | string>, subpath: string): string | null {
  let at: Conditions | string | undefined = exports[subpath];
  while (at && typeof at !== 'string') at = at.browser ?? at.import ?? at.default;
  return at ?? null;
}

export const hypatiaBrowserEntries: Plugin = {
  name: 'hypatia-browser-entries',
  setup(b) {
    b.onResolve({ filter: /^@hypatia\/[a-z]+(\/[a-z]+)?$/ }, (args) => {
      const [, pkg, sub] = /^@hypatia\/([a-z]+)(\/[a-z]+)?$/.exec(args.path)!;
      const dir = join(root, 'packages', pkg!);
      const { exports } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports: Record<string, Conditions> };
      const entry = browserEntry(exports, sub ? `.${sub}` : '.');
      if (!entry) return { errors: [{ text: `${args.path} exports nothing for a browser` }] };
      return { path: join(dir, entry.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')) };
    });
  },
};

/** Bundles `entry` (a .ts file) into `outfile` as one ES module for current browsers. */
export async function bundlePage(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    plugins: [hypatiaBrowserEntries], logLevel: 'warning', legalComments: 'none',
  });
}
