// Opening a file inside a directory the container's owner controls (its layer, the merged view,
// a volume) without ever following a link, and without a race: the path is walked one name at
// a time from the root, each directory held open and the next name looked up inside it through
// /proc/self/fd/<fd>/<name> with O_NOFOLLOW. Checking a path and then opening it by name would
// let a directory swapped for a symlink in between lead vigil (root) onto the host's files.
// Every step is an O_PATH open: it reaches no driver (a fifo cannot block it, a device node never
// sees it), and fstat on the held descriptor tells exactly what the name was when it was taken.
import { constants, type Stats } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';

/** Linux's O_PATH, the same on every architecture Node runs on; node:fs does not export it. */
const O_PATH = 0o10000000;
const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

export const THROUGH_LINK = 'path leaves the container layer through a link';
/** The file, or a directory on its way, no longer exists: deleted since it was seen. */
export const GONE = 'gone';
/** Not under the root at all, or climbing out of it with `..`. */
export const OUTSIDE = 'path is not inside its root';

export type Failure = { ok: false; reason: string };
/** A regular file comes open for reading; anything else (directory, fifo, device) with its stats alone. */
export type ReadTarget = { ok: true; stats: Stats; handle?: FileHandle } | Failure;

/** `path`, under `root`, ready to read. Nothing but a regular file is ever opened. */
export async function openToRead(root: string, path: string): Promise<ReadTarget> {
  const parent = await parentOf(root, path, false);
  if (!parent.ok) return parent;
  let target: Taken | undefined;
  try {
    target = await take(inside(parent.dir, parent.name));
    const { stats } = target;
    if (stats.isSymbolicLink()) return { ok: false, reason: THROUGH_LINK };
    if (!stats.isFile()) return { ok: true, stats };
    // Through the magic link this opens the very file just checked, whatever its name holds by now.
    return { ok: true, stats, handle: await open(`/proc/self/fd/${target.handle.fd}`, O_RDONLY) };
  } catch (err) {
    return { ok: false, reason: reasonOf(err) };
  } finally {
    await target?.handle.close();
    await parent.dir.close();
  }
}

/** Creates `path` under `root`, and the directories missing on its way; fails if anything is there already. */
export async function createInside(root: string, path: string, mode: number): Promise<{ ok: true; handle: FileHandle } | Failure> {
  const parent = await parentOf(root, path, true);
  if (!parent.ok) return parent;
  try {
    // O_EXCL: a link at the last name is there already (EEXIST), and what it points to is not made.
    return { ok: true, handle: await open(inside(parent.dir, parent.name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode) };
  } catch (err) {
    return { ok: false, reason: reasonOf(err) };
  } finally {
    await parent.dir.close();
  }
}

/** The open directory holding `path`'s last name, reached one name at a time from `root`. */
async function parentOf(root: string, path: string, create: boolean): Promise<{ ok: true; dir: FileHandle; name: string } | Failure> {
  const names = namesUnder(root, path);
  if (!names) return { ok: false, reason: OUTSIDE };
  let dir: FileHandle | undefined;
  try {
    dir = await directory(root);
    for (const name of names.slice(0, -1)) {
      const at = inside(dir, name);
      // mkdir never follows a link in its last name: one planted there fails it (EEXIST), then directory().
      if (create) {
        await mkdir(at, 0o755).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
      }
      const next = await directory(at);
      await dir.close();
      dir = next;
    }
    return { ok: true, dir, name: names.at(-1)! };
  } catch (err) {
    await dir?.close();
    return { ok: false, reason: reasonOf(err) };
  }
}

/** Holds the directory `at` names right now; a link or anything else there fails as the kernel would. */
async function directory(at: string): Promise<FileHandle> {
  const { handle, stats } = await take(at);
  if (stats.isDirectory()) return handle;
  await handle.close();
  throw Object.assign(new Error(`not a directory: ${at}`), { code: stats.isSymbolicLink() ? 'ELOOP' : 'ENOTDIR' });
}

interface Taken {
  handle: FileHandle;
  stats: Stats;
}

/** Holds whatever the name is right now, a link included, and what it is. */
async function take(path: string): Promise<Taken> {
  const handle = await open(path, O_PATH | O_NOFOLLOW);
  try {
    return { handle, stats: await handle.stat() };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The names from `root` down to `path`; undefined when `path` is not below `root` by name alone. */
function namesUnder(root: string, path: string): string[] | undefined {
  const base = root.endsWith('/') ? root : `${root}/`;
  if (!path.startsWith(base)) return undefined;
  const names = path
    .slice(base.length)
    .split('/')
    .filter((n) => n !== '' && n !== '.');
  return names.length > 0 && !names.includes('..') ? names : undefined;
}

/** A name looked up in an open directory, by the kernel, not by the path it was opened from. */
function inside(dir: FileHandle, name: string): string {
  return `/proc/self/fd/${dir.fd}/${name}`;
}

function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return GONE;
  if (code === 'ELOOP') return THROUGH_LINK;
  return code ?? 'unreadable';
}
