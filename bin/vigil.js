#!/usr/bin/env node
import { setFlagsFromString } from 'node:v8';

// Compiled and bundled output only (npm run build): startup pays neither a TypeScript compile
// nor loading hundreds of files. React's production build: the development one is several
// times slower and keeps debugging data for every render.
process.env.NODE_ENV ??= 'production';
// On a terminal the workbench is interactive even where CI is set: ink (through is-in-ci, read
// once at import) would otherwise draw only the last frame, on exit, and leave the screen blank.
if (process.stdout.isTTY) {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
}
// vigil keeps a bounded working set (under 100 MB on a busy node) but makes a lot of short-lived
// garbage; V8's default lets the heap grow to several times the live size before a full
// collection. Growing by at most half keeps the footprint near what is live, at no cost in speed.
setFlagsFromString('--heap-growing-percent=50');
const { main } = await import('../dist/bundle/vigil.js');

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
