// Opening files inside a container's root one name at a time: every kind of link, at every
// position, is refused (absolute, relative, looping, or staying inside), `..` never climbs out,
// nothing but a regular file is opened, and creating never makes anything outside the root.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInside, GONE, openToRead, OUTSIDE, THROUGH_LINK } from '../../src/sources/files/contained-path.js';

const NAMES = ['a', 'b', 'c', 'f'];
let dir: string;
let secret: string;
let outside: string;

/** A fresh container root holding a/b/c/f, its content saying it is the container's. */
function containerRoot(name: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, 'a/b/c'), { recursive: true });
  writeFileSync(join(root, 'a/b/c/f'), 'inside\n');
  return root;
}

async function contentOf(root: string, path: string): Promise<string> {
  const target = await openToRead(root, path);
  if (!target.ok) return target.reason;
  if (!target.handle) return 'not a regular file';
  try {
    return await target.handle.readFile('utf8');
  } finally {
    await target.handle.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-contained-'));
  // The host's side: the same names, holding a secret.
  secret = join(dir, 'secret');
  mkdirSync(join(secret, 'a/b/c'), { recursive: true });
  writeFileSync(join(secret, 'a/b/c/f'), 'SECRET\n');
  outside = join(dir, 'outside');
  mkdirSync(outside);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openToRead', () => {
  it('opens a regular file below the root', async () => {
    const root = containerRoot('plain');
    expect(await contentOf(root, join(root, 'a/b/c/f'))).toBe('inside\n');
    // A trailing slash on the root, or `.` and doubled slashes in the path, change nothing.
    expect(await contentOf(`${root}/`, `${root}/a/./b//c/f`)).toBe('inside\n');
  });

  it('refuses an absolute or relative link at every position of the path', async () => {
    for (let depth = 0; depth < NAMES.length; depth++) {
      for (const kind of ['absolute', 'relative'] as const) {
        const root = containerRoot(`link-${depth}-${kind}`);
        const linkPath = join(root, ...NAMES.slice(0, depth + 1));
        const target = join(secret, ...NAMES.slice(0, depth + 1));
        rmSync(linkPath, { recursive: true });
        symlinkSync(kind === 'absolute' ? target : relative(join(linkPath, '..'), target), linkPath);
        // The link does reach the secret when followed: the refusal is vigil's, not a broken link.
        expect(readFileSync(join(root, ...NAMES), 'utf8')).toBe('SECRET\n');
        expect(await contentOf(root, join(root, ...NAMES)), `${kind} link at ${NAMES[depth]}`).toBe(THROUGH_LINK);
      }
    }
  });

  it('refuses a link that stays inside the root, a dangling link and a link loop', async () => {
    const root = containerRoot('other-links');
    symlinkSync('c', join(root, 'a/b/alias'));
    symlinkSync('f', join(root, 'a/b/c/alias'));
    symlinkSync('/nonexistent/vigil', join(root, 'dangling'));
    symlinkSync('loop2', join(root, 'loop1'));
    symlinkSync('loop1', join(root, 'loop2'));
    for (const path of ['a/b/alias/f', 'a/b/c/alias', 'dangling', 'dangling/f', 'loop1', 'loop1/f']) {
      expect(await contentOf(root, join(root, path)), path).toBe(THROUGH_LINK);
    }
  });

  it('refuses a root that is itself a link', async () => {
    const root = join(dir, 'root-link');
    symlinkSync(secret, root);
    expect(await contentOf(root, join(root, ...NAMES))).toBe(THROUGH_LINK);
  });

  it('never climbs out with `..`, nor reads a path that is not below the root', async () => {
    const root = containerRoot('dotdot');
    // Built by hand: join() would resolve the `..` away.
    for (const path of [`${root}/a/../../secret/a/b/c/f`, `${root}/..`, `${root}/a/b/c/f/..`, join(secret, ...NAMES), `${root}-sibling/f`, root]) {
      expect(await contentOf(root, path), path).toBe(OUTSIDE);
    }
  });

  it('gives a directory and a fifo their stats alone, without waiting for a writer', async () => {
    const root = containerRoot('special');
    execFileSync('mkfifo', [join(root, 'fifo')]);
    // With no writer, opening the fifo to read would wait for ever: the test would time out.
    for (const [path, kind] of [['a/b', 'isDirectory'], ['fifo', 'isFIFO']] as const) {
      const target = await openToRead(root, join(root, path));
      if (!target.ok) throw new Error(target.reason);
      expect(target.handle).toBeUndefined();
      expect(target.stats[kind]()).toBe(true);
    }
  });

  it.runIf(process.getuid?.() === 0)('gives a device node its stats alone, with nothing opened to read', async () => {
    const root = containerRoot('device');
    // /dev/zero's numbers: opened and read, it would never end.
    execFileSync('mknod', [join(root, 'zero'), 'c', '1', '5']);
    const target = await openToRead(root, join(root, 'zero'));
    if (!target.ok) throw new Error(target.reason);
    expect(target.handle).toBeUndefined();
    expect(target.stats.isCharacterDevice()).toBe(true);
  });

  it('tells a file that is gone from one in the way of a directory', async () => {
    const root = containerRoot('gone');
    expect(await contentOf(root, join(root, 'a/b/c/missing'))).toBe(GONE);
    expect(await contentOf(root, join(root, 'a/missing/c/f'))).toBe(GONE);
    expect(await contentOf(join(dir, 'no-such-root'), join(dir, 'no-such-root/f'))).toBe(GONE);
    expect(await contentOf(root, join(root, 'a/b/c/f/g'))).toBe('ENOTDIR');
  });
});

describe('createInside', () => {
  async function create(root: string, path: string): Promise<string> {
    const created = await createInside(root, path, 0o600);
    if (!created.ok) return created.reason;
    await created.handle.writeFile('bait');
    await created.handle.close();
    return 'created';
  }

  it('creates the missing directories and the file, and nothing over an existing file', async () => {
    const root = containerRoot('create');
    expect(await create(root, join(root, 'a/new/deeper/x'))).toBe('created');
    expect(readFileSync(join(root, 'a/new/deeper/x'), 'utf8')).toBe('bait');
    expect(await create(root, join(root, 'a/b/c/f'))).toBe('EEXIST');
    expect(readFileSync(join(root, 'a/b/c/f'), 'utf8')).toBe('inside\n');
  });

  it('creates nothing through a link at any position, nor through `..`', async () => {
    const root = containerRoot('create-links');
    symlinkSync(outside, join(root, 'abs'));
    symlinkSync(relative(root, outside), join(root, 'rel'));
    mkdirSync(join(root, 'home'));
    symlinkSync(outside, join(root, 'home/.bait'));
    symlinkSync(join(outside, 'planted'), join(root, 'final'));
    const cases: Array<[string, string]> = [
      [join(root, 'abs/.bait/x'), THROUGH_LINK],
      [join(root, 'abs/x'), THROUGH_LINK],
      [join(root, 'rel/.bait/x'), THROUGH_LINK],
      [join(root, 'home/.bait/x'), THROUGH_LINK],
      // O_EXCL: a dangling link at the last name is there already, and its target is not made.
      [join(root, 'final'), 'EEXIST'],
      [`${root}/home/../../outside/x`, OUTSIDE],
    ];
    for (const [path, reason] of cases) expect(await create(root, path), path).toBe(reason);
    expect(readdirSync(outside)).toEqual([]);
  });
});
