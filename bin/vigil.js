#!/usr/bin/env node
// Compiled output only: startup never pays a TypeScript compile. React's production build:
// the development one is several times slower and keeps debugging data for every render.
process.env.NODE_ENV ??= 'production';
const { main } = await import('../dist/cli/main.js');

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
