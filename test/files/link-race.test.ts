// The container's owner swapping a directory (or a file) for a link to the host while vigil
// reads or plants bait: another process keeps swapping as fast as it can while vigil works
// thousands of times, and not once does the host's secret come back or a file land outside.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { plantBait } from '../../src/sources/files/bait.js';
import { GONE, THROUGH_LINK } from '../../src/sources/files/contained-path.js';
import { readFileFacts } from '../../src/sources/files/read.js';

const ROUNDS = 5000;
/** Reads or plants in flight at once: several run on the thread pool while the swapper runs. */
const PARALLEL = 8;
const SECRET = 'root:$6$host-secret-hash:19000::::::\n';
const limits = { scannable: true, contentLimitBytes: 1024, hashLimitBytes: 1 << 20 };

// Each swap turns a real entry into a link to `target` and back: moved away, link, no link,
// moved back. vigil may make a directory of the name while it is free (planting bait): that
// one is moved aside, inside the container, and the swapping goes on.
const SWAPPER = `
const fs = require('node:fs');
const swaps = JSON.parse(process.argv[1]);
let made = 0;
process.stdout.write('ready\\n');
for (;;) {
  for (const [path, target] of swaps) {
    fs.renameSync(path, path + '.away');
    try {
      fs.symlinkSync(target, path);
      fs.unlinkSync(path);
    } catch {}
    for (;;) {
      try {
        fs.renameSync(path + '.away', path);
        break;
      } catch {
        fs.renameSync(path, path + '.made-' + made++);
      }
    }
  }
}`;

let dir: string;
let root: string;
let host: string;
let swapper: ChildProcess | undefined;

async function swapping(swaps: Array<[string, string]>): Promise<void> {
  swapper = spawn(process.execPath, ['-e', SWAPPER, JSON.stringify(swaps)], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(swapper.stdout!, 'data');
}

/** Runs `work` for every round, PARALLEL at a time. */
async function rounds<T>(work: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < ROUNDS; i += PARALLEL) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(PARALLEL, ROUNDS - i) }, (_, k) => work(i + k)))));
  }
  return results;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-race-'));
});

afterEach(async () => {
  if (swapper && swapper.exitCode === null) {
    swapper.kill('SIGKILL');
    await once(swapper, 'exit');
  }
  swapper = undefined;
  rmSync(root, { recursive: true, force: true });
  rmSync(host, { recursive: true, force: true });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a link swapped in while vigil works', () => {
  it(`never gives the host's secret to ${ROUNDS} reads through a swapped directory or file`, async () => {
    root = join(dir, 'upper');
    host = join(dir, 'host-etc');
    mkdirSync(join(root, 'etc'), { recursive: true });
    mkdirSync(join(root, 'var/www'), { recursive: true });
    mkdirSync(host);
    writeFileSync(join(root, 'etc/shadow'), 'root:*:19000::::::\n');
    writeFileSync(join(root, 'var/www/index.php'), '<?php ?>\n');
    writeFileSync(join(host, 'shadow'), SECRET);
    writeFileSync(join(host, 'index.php'), SECRET);
    // The container's /etc becomes an absolute link to the host's; its index.php a relative link to a host file.
    await swapping([
      [join(root, 'etc'), host],
      [join(root, 'var/www/index.php'), '../../../host-etc/index.php'],
    ]);
    const outcomes = new Map<string, number>();
    const results = await rounds(async (i) => {
      const path = join(root, i % 2 === 0 ? 'etc/shadow' : 'var/www/index.php');
      const result = await readFileFacts(path, root, limits);
      const outcome = result.ok ? (result.facts.content === undefined ? 'no content' : 'read') : result.reason;
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      return result;
    });
    const leaked = results.filter((r) => JSON.stringify(r).includes('host-secret-hash'));
    expect(leaked).toEqual([]);
    // Only these outcomes, and the swaps did happen under the reads: some met the link, some the file.
    expect([...outcomes.keys()].every((o) => ['read', THROUGH_LINK, GONE].includes(o)), JSON.stringify([...outcomes])).toBe(true);
    expect(outcomes.get('read')).toBeGreaterThan(0);
    expect(outcomes.get(THROUGH_LINK)).toBeGreaterThan(0);
    expect(readFileSync(join(host, 'shadow'), 'utf8')).toBe(SECRET);
  }, 60_000);

  it(`plants no bait outside the container in ${ROUNDS} tries through a swapped /root or bait directory`, async () => {
    root = join(dir, 'merged');
    host = join(dir, 'host-root');
    mkdirSync(join(root, 'root'), { recursive: true });
    mkdirSync(join(root, 'var/tmp/.vigil-bait'), { recursive: true });
    mkdirSync(host);
    await swapping([
      [join(root, 'root'), host],
      [join(root, 'var/tmp/.vigil-bait'), '../../../host-root'],
    ]);
    // A new name every time, in one of a few directories (so some are made during the swaps).
    const planted = await rounds((i) =>
      plantBait({ path: join(root, i % 2 === 0 ? `root/.vigil-bait-${i % 16}/accounts-${i}.xlsx` : `var/tmp/.vigil-bait/keys-${i}.docx`), root }),
    );
    expect(readdirSync(host)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['host-root', 'merged']);
    const made = planted.filter(Boolean).length;
    // The swaps did happen under the tries: some were planted, some refused.
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThan(ROUNDS);
  }, 60_000);
});
