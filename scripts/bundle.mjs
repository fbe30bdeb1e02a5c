// Bundles the compiled CLI (dist/cli/main.js) into dist/bundle/: Node would otherwise load some
// 900 files at every start (Ink alone pulls in hundreds), which was most of the time to the
// workbench's first frame. The workbench stays a chunk of its own, loaded only when it opens.
// Kept outside: native or rarely loaded packages, resolved from node_modules when used.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inkBoundedCaches } from './ink-bounded-caches.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// Chunk names carry content hashes: a previous build's chunks would stay beside the new ones.
rmSync(new URL('../dist/bundle', import.meta.url), { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: { vigil: 'dist/cli/main.js' },
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Docker's client reaches ssh2 and its native cpu-features; the Kubernetes client is loaded
  // only when the pod watch starts.
  external: ['dockerode', '@kubernetes/client-node'],
  // Ink loads React DevTools only when DEV=true; vigil never ships them.
  alias: { 'react-devtools-core': './scripts/no-devtools.mjs' },
  // CommonJS packages inside an ES module bundle still call require.
  banner: { js: "import { createRequire as vigilCreateRequire } from 'node:module'; const require = vigilCreateRequire(import.meta.url);" },
  legalComments: 'none',
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [inkBoundedCaches],
  logLevel: 'warning',
});
