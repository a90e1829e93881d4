/**
 * Builds the notebook widgets' front end (`src/widget/index.tsx`): one ES
 * module with React and the room and office-hours components bundled in, and
 * the extension's stylesheet, into `jupyter_studysession/widgets/static/`,
 * where the Python widgets hand them to anywidget.
 *
 *   node scripts/build-widget.mjs
 */
import * as esbuild from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(root, '../jupyter_studysession/widgets/static');

/** TypeScript's order: `./x` is `x.ts` before `x.tsx`. */
const EXTENSIONS = ['.ts', '.tsx', '.mjs', '.js', '.json'];

function isFileNamedExactly(path) {
  try {
    return (
      readdirSync(dirname(path)).includes(basename(path)) &&
      statSync(path).isFile()
    );
  } catch {
    return false;
  }
}

/**
 * Resolve our relative imports as TypeScript does, letter case included.
 * esbuild matches file names without regard to case, so `./markdown` and
 * `./Markdown` (`markdown.ts`, `Markdown.tsx`) would find the same file.
 */
const exactCaseImports = {
  name: 'exact-case-imports',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, args => {
      const base = resolve(args.resolveDir, args.path);
      const candidates = [
        base,
        ...EXTENSIONS.map(ext => base + ext),
        ...EXTENSIONS.map(ext => join(base, 'index' + ext))
      ];
      const path = candidates.find(isFileNamedExactly);
      return path === undefined ? undefined : { path };
    });
  }
};

const common = {
  bundle: true,
  minify: true,
  logLevel: 'info',
  target: 'es2020'
};

await esbuild.build({
  ...common,
  entryPoints: [resolve(root, 'src/widget/index.tsx')],
  outfile: resolve(outdir, 'widget.js'),
  format: 'esm',
  platform: 'browser',
  plugins: [exactCaseImports],
  define: { 'process.env.NODE_ENV': '"production"' },
  // Only `ServerConnection` is used from @jupyterlab/services; its own module
  // keeps the kernel, session and contents clients out (~110 kB less). A
  // bundled file that needs more of the package fails this build loudly.
  alias: {
    '@jupyterlab/services': '@jupyterlab/services/lib/serverconnection'
  }
});

await esbuild.build({
  ...common,
  entryPoints: [resolve(root, 'style/index.css')],
  outfile: resolve(outdir, 'widget.css'),
  loader: { '.svg': 'dataurl' }
});
