#!/usr/bin/env node
// Compiled output only: startup never pays a TypeScript compile. React's production build:
// the development one is several times slower and keeps debugging data for every render.
process.env.NODE_ENV ??= 'production';
// On a terminal the workbench is interactive even where CI is set: ink (through is-in-ci, read
// once at import) would otherwise draw only the last frame, on exit, and leave the screen blank.
if (process.stdout.isTTY) {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
}
const { main } = await import('../dist/cli/main.js');

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
