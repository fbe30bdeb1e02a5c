// The files source: for each running container, watches its writable layer (and the web and
// extra directories that live on mounts), and turns what changes into file events with
// in-container paths and the facts the rules need. At container start it scans the web
// directories and the account files once. Bursts are batched per container; reading is
// bounded per second, and what is skipped is counted and reported.
import { basename, dirname, extname, join } from 'node:path';
import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import chokidar, { type FSWatcher } from 'chokidar';
import picomatch from 'picomatch';
import type { ContainerSnapshot, FileAction, UnsequencedEvent } from '../../engine/events.js';
import type { Profile } from '../../engine/profile.js';
import { isoNow, sourceStatus, type Emit, type Source } from '../source.js';
import { plantBait } from './bait.js';
import { GONE } from './contained-path.js';
import { containerFsOf, containerPathOf, hostLocation, imageEntry, isWhiteout, onMount, type ContainerFs, type HostLocation } from './layers.js';
import { readFileFacts, type FileFacts } from './read.js';
import { reduceShadow } from './shadow.js';

/** Longest a burst is held before its batch is read, however busy the container stays. */
const MAX_BATCH_WAIT_MS = 1000;
/** Files remembered per container (for rename pairing and attribute changes). */
const MAX_KNOWN = 100_000;
/** Files a startup scan of one web directory reads at most. */
const MAX_SCAN_FILES = 5000;
const ACCOUNT_FILES = ['/etc/passwd', '/etc/shadow', '/etc/group'];
/** Files whose password fields are reduced before their text leaves this module (passwd can hold a legacy hash too). */
const PASSWORD_FILES = new Set(['/etc/shadow', '/etc/gshadow', '/etc/passwd']);

interface Remembered {
  ino: number;
  size: number;
  mtimeMs: number;
  mode: number;
  uid: number;
  gid: number;
}

/** A watched directory: where it is on the host, and where the container sees it. */
interface WatchRoot {
  root: string;
  /** Where reads start their link-free walk: `root` may lie below names the container controls. */
  readRoot: string;
  prefix: string;
  /** The writable layer: files appearing there may be copies of image files. */
  upper: boolean;
}

interface Watched {
  fs: ContainerFs;
  watchers: FSWatcher[];
  known: Map<string, Remembered>;
  batch: Map<string, WatchRoot>;
  timer: NodeJS.Timeout | undefined;
  batchStarted: number;
  flushing: Promise<void>;
}

interface Change {
  path: string;
  host: string;
  readRoot: string;
  action: FileAction;
  previousPath?: string;
  previousStat?: FileFacts['stat'];
}

export interface FilesSourceStats {
  events: number;
  /** Files not read because the per-second budget was spent. */
  skipped: number;
  unreadable: number;
  /** Files deleted before they were read, or whose container's layer vanished under the watch. */
  gone: number;
}

export class FilesSource implements Source {
  readonly name = 'files';
  readonly stats: FilesSourceStats = { events: 0, skipped: 0, unreadable: 0, gone: 0 };
  private emit: Emit = () => {};
  private readonly watched = new Map<string, Watched>();
  private readonly scannable: (path: string) => boolean;
  private readonly settings: Profile['files'];
  private budget = { second: 0, used: 0 };
  private reportedSkipped = 0;
  private stopped = false;

  constructor(private readonly profile: Profile) {
    this.settings = profile.files;
    const extensions = new Set([...profile.webshell.extensions, ...profile.files.scanExtensions].map((e) => e.toLowerCase()));
    const inWeb = picomatch(profile.files.webDirectories.map((d) => `${d}/**`), { dot: true });
    const isNote = picomatch(profile.ransomware.noteNames, { nocase: true, dot: true, basename: true });
    this.scannable = (path) =>
      extensions.has(extname(path).slice(1).toLowerCase()) || inWeb(path) || ACCOUNT_FILES.includes(path) || isNote(path);
  }

  start(emit: Emit): void {
    this.emit = emit;
    this.status('up');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.watched.keys()].map((id) => this.unwatch(id)));
  }

  /** Follows the docker source's events: watches containers that run, drops those that stop. */
  observe(event: UnsequencedEvent): void {
    if (this.stopped) return;
    if (event.source !== 'docker') return;
    if (event.kind === 'container.snapshot') {
      const { container } = event.data;
      if (container.state.running) void this.watch(container);
      else void this.unwatch(container.id);
    } else if (event.data.action === 'die' || event.data.action === 'destroy') void this.unwatch(event.data.id);
  }

  private async watch(snapshot: ContainerSnapshot): Promise<void> {
    if (this.watched.has(snapshot.id)) return;
    const result = containerFsOf(snapshot);
    if (!result.ok) {
      this.status('degraded', `container ${snapshot.name || snapshot.id.slice(0, 12)}: ${result.reason}`);
      return;
    }
    const { fs } = result;
    const entry: Watched = { fs, watchers: [], known: new Map(), batch: new Map(), timer: undefined, batchStarted: 0, flushing: Promise.resolve() };
    this.watched.set(snapshot.id, entry);
    const roots: WatchRoot[] = [{ root: fs.upper, readRoot: fs.upper, prefix: '/', upper: true }];
    for (const dir of [...this.settings.webDirectories, ...this.settings.watch]) {
      if (!onMount(fs, dir)) continue; // the writable layer already shows what is written there
      const at = hostLocation(fs, dir);
      roots.push({ root: at.path, readRoot: at.root, prefix: dir, upper: false });
    }
    await Promise.all(roots.map((root) => this.watchRoot(entry, root)));
    if (this.watched.get(snapshot.id) !== entry) return; // stopped while the watches were set up
    await this.scanAtStart(entry);
    if (this.profile.ransomware.bait.enabled) {
      for (const path of this.profile.ransomware.bait.paths) await plantBait(hostLocation(fs, path));
    }
  }

  private watchRoot(entry: Watched, root: WatchRoot): Promise<void> {
    const watcher = chokidar.watch(root.root, {
      persistent: false,
      followSymlinks: false,
      ignorePermissionErrors: true,
      alwaysStat: true,
      atomic: false,
    });
    entry.watchers.push(watcher);
    let ready = false;
    const touched = (path: string) => this.touch(entry, path, root);
    watcher.on('add', (path, stats) => {
      // The initial listing only teaches what exists (for renames and attribute changes).
      if (!ready) remember(entry, path, stats);
      else touched(path);
    });
    watcher.on('change', touched);
    watcher.on('unlink', touched);
    // Files that land in a new directory before its watch is set up are in no event: a second
    // look at the directory, once the burst is read, finds them.
    watcher.on('addDir', (path) => {
      if (ready) setTimeout(() => void this.rescan(entry, path, root), this.settings.debounceMs + 50);
    });
    // chokidar drops changes that leave mtime alone (chmod, chown); the raw inotify event has them.
    watcher.on('raw', (event, path, details) => {
      const watchedPath = (details as { watchedPath?: unknown }).watchedPath;
      if (!ready || event !== 'change' || typeof watchedPath !== 'string' || typeof path !== 'string') return;
      touched(join(watchedPath, path));
      if (basename(watchedPath) === path) touched(watchedPath);
    });
    watcher.on('error', () => this.stats.unreadable++);
    return new Promise((resolve) =>
      watcher.once('ready', () => {
        ready = true;
        resolve();
      }),
    );
  }

  private touch(entry: Watched, path: string, root: WatchRoot): void {
    if (!path.startsWith(root.root)) return;
    if (entry.batch.size === 0) entry.batchStarted = Date.now();
    entry.batch.set(path, root);
    clearTimeout(entry.timer);
    const wait = Math.max(0, Math.min(this.settings.debounceMs, entry.batchStarted + MAX_BATCH_WAIT_MS - Date.now()));
    entry.timer = setTimeout(() => {
      entry.flushing = entry.flushing.then(() => this.flush(entry));
    }, wait);
  }

  private async rescan(entry: Watched, dir: string, root: WatchRoot): Promise<void> {
    let count = 0;
    for await (const path of walk(dir)) {
      if (count++ >= MAX_SCAN_FILES || this.watched.get(entry.fs.id) !== entry) return;
      if (!entry.known.has(path)) this.touch(entry, path, root);
    }
  }

  private async unwatch(id: string): Promise<void> {
    const entry = this.watched.get(id);
    if (!entry) return;
    this.watched.delete(id);
    clearTimeout(entry.timer);
    await Promise.all(entry.watchers.map((w) => w.close()));
  }

  /** Works out what a batch of touched paths amounts to, pairs renames, and emits. */
  private async flush(entry: Watched): Promise<void> {
    const batch = [...entry.batch];
    entry.batch.clear();
    // The writable layer itself gone is the container being removed (docker rm can run ahead of
    // the die event reaching us): nobody in it deleted its files, so they are no deletions.
    if (!(await lstat(entry.fs.upper).catch(() => undefined))) {
      this.stats.gone += batch.length;
      await this.unwatch(entry.fs.id);
      return;
    }
    const created: Array<Change & { stats: Stats }> = [];
    const deleted: Array<Change & { was?: { ino?: number; size: number } }> = [];
    const changes: Change[] = [];
    for (const [host, root] of batch) {
      const path = containerPathOf(host, root.root, root.prefix);
      const stats = await lstat(host).catch(() => undefined);
      const before = entry.known.get(host);
      const base = { path, host, readRoot: root.readRoot };
      if (!stats || isWhiteout(stats)) {
        entry.known.delete(host);
        // A whiteout deletes an image file; the image still says what it was.
        const image = stats && root.upper ? await imageEntry(entry.fs, path) : undefined;
        if (before || image) deleted.push({ ...base, action: 'deleted', was: before ?? { size: image!.stats.size } });
        continue;
      }
      if (stats.isDirectory()) continue;
      remember(entry, host, stats);
      if (before) {
        if (before.size !== stats.size || before.mtimeMs !== stats.mtimeMs || before.ino !== stats.ino) changes.push({ ...base, action: 'modified' });
        else if (before.mode !== stats.mode || before.uid !== stats.uid || before.gid !== stats.gid) {
          changes.push({ ...base, action: 'attributes', previousStat: statOf(before) });
        }
        continue;
      }
      // New in the writable layer: a new file, or an image file copied up to be changed.
      const image = root.upper ? await imageEntry(entry.fs, path) : undefined;
      if (!image) created.push({ ...base, action: 'created', stats });
      else if (image.stats.size !== stats.size || image.stats.mtimeMs !== stats.mtimeMs) changes.push({ ...base, action: 'modified' });
      else if (image.stats.mode !== stats.mode || image.stats.uid !== stats.uid || image.stats.gid !== stats.gid) {
        changes.push({ ...base, action: 'attributes', previousStat: statOf(image.stats) });
      }
    }
    // A rename is a deletion and a creation of the same file: the same inode (within the layer),
    // or, for an image file copied up under its new name, the same size in the same directory,
    // or the old name with an extension added (rewritten, then renamed: ransomware's way).
    const renamedFrom = (d: (typeof deleted)[number], c: (typeof created)[number]) =>
      d.was?.ino === c.stats.ino || (dirname(d.path) === dirname(c.path) && (d.was?.size === c.stats.size || c.path.startsWith(`${d.path}.`)));
    for (const c of created) {
      const i = deleted.findIndex((d) => renamedFrom(d, c));
      if (i >= 0) {
        changes.push({ ...c, action: 'renamed', previousPath: deleted[i]!.path });
        deleted.splice(i, 1);
      } else changes.push(c);
    }
    changes.push(...deleted);
    changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const change of changes) await this.emitChange(entry.fs.id, change);
    if (changes.some((c) => ACCOUNT_FILES.includes(c.path) || (c.previousPath !== undefined && ACCOUNT_FILES.includes(c.previousPath)))) {
      await this.emitAccounts(entry.fs, 'change');
    }
  }

  private async emitChange(containerId: string, change: Change): Promise<void> {
    const { path, action } = change;
    let facts: FileFacts | undefined;
    if (action !== 'deleted') {
      facts = await this.read({ path: change.host, root: change.readRoot }, path);
      if (!facts) return; // gone again, or unreadable: counted
    }
    this.send({
      source: 'files',
      kind: 'file.change',
      ts: isoNow(),
      data: {
        containerId,
        path,
        action,
        ...(change.previousPath !== undefined && { previousPath: change.previousPath }),
        ...(change.previousStat && { previousStat: change.previousStat }),
        size: facts?.size ?? 0,
        ...facts,
      },
    });
  }

  /** The file's facts within the budget; past it, only its metadata. */
  private async read(at: HostLocation, path: string): Promise<FileFacts | undefined> {
    const second = Math.floor(Date.now() / 1000);
    if (this.budget.second !== second) this.budget = { second, used: 0 };
    const withinBudget = this.budget.used++ < this.settings.maxFilesPerSecond;
    if (!withinBudget) {
      this.stats.skipped++;
      this.reportSkipped();
    }
    const result = await readFileFacts(at.path, at.root, {
      scannable: this.scannable(path),
      contentLimitBytes: withinBudget ? this.settings.contentLimitBytes : 0,
      hashLimitBytes: withinBudget ? this.settings.hashLimitBytes : -1,
    });
    if (!result.ok) {
      if (result.reason === GONE) this.stats.gone++;
      else this.stats.unreadable++;
      return undefined;
    }
    const facts = result.facts;
    if (facts.content !== undefined && PASSWORD_FILES.has(path)) facts.content = reduceShadow(facts.content);
    return facts;
  }

  /** Once per container start: the web directories' files, and the account files. */
  private async scanAtStart(entry: Watched): Promise<void> {
    for (const dir of this.settings.webDirectories) {
      const at = hostLocation(entry.fs, dir);
      let count = 0;
      for await (const host of walk(at.path)) {
        if (count++ >= MAX_SCAN_FILES || this.stopped) break;
        const path = containerPathOf(host, at.path, dir);
        if (!this.scannable(path)) continue;
        await this.emitChange(entry.fs.id, { path, host, readRoot: at.root, action: 'present' });
      }
    }
    await this.emitAccounts(entry.fs, 'startup');
  }

  private async emitAccounts(fs: ContainerFs, reason: 'startup' | 'change'): Promise<void> {
    const text = async (path: string, at: HostLocation | undefined) => (at ? ((await this.read(at, path))?.content ?? null) : null);
    const passwd = await text('/etc/passwd', hostLocation(fs, '/etc/passwd'));
    if (passwd === null) return; // no account files: nothing to compare
    const image = await imageEntry(fs, '/etc/passwd');
    this.send({
      source: 'files',
      kind: 'accounts',
      ts: isoNow(),
      data: {
        containerId: fs.id,
        reason,
        passwd,
        shadow: await text('/etc/shadow', hostLocation(fs, '/etc/shadow')),
        group: await text('/etc/group', hostLocation(fs, '/etc/group')),
        imagePasswd: await text('/etc/passwd', image?.location),
      },
    });
  }

  private send(event: UnsequencedEvent): void {
    if (this.stopped) return;
    this.stats.events++;
    this.emit(event);
  }

  private reportSkipped(): void {
    // Once per thousand skipped: the status line shows the count without a flood of events.
    if (this.stats.skipped - this.reportedSkipped < 1000 && this.reportedSkipped > 0) return;
    this.reportedSkipped = this.stats.skipped;
    this.status('degraded', `${this.stats.skipped} changed files not read (over ${this.settings.maxFilesPerSecond} files/s)`);
  }

  private status(state: 'up' | 'degraded', reason?: string): void {
    this.emit(sourceStatus(this.name, state, reason || undefined));
  }
}

function remember(entry: Watched, path: string, stats: Stats | undefined): void {
  if (!stats || stats.isDirectory()) return;
  if (entry.known.size >= MAX_KNOWN && !entry.known.has(path)) return;
  entry.known.set(path, { ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, mode: stats.mode, uid: stats.uid, gid: stats.gid });
}

function statOf(s: { mode: number; uid: number; gid: number }): FileFacts['stat'] {
  return { mode: s.mode.toString(8), uid: s.uid, gid: s.gid };
}

/** Regular files under a directory, depth first, never through a link. */
async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* walk(path);
    else if (e.isFile()) yield path;
  }
}
