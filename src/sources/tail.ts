// Follows a log file and delivers complete lines, through auditd's rotation: auditd closes
// audit.log, renames it to audit.log.1 (shifting older ones) and opens a new audit.log. The
// tailer keeps its handle on the file it reads, so on rotation it reads the renamed file to
// its end, then the new file from its beginning: no line is lost or read twice (the file is
// tracked by device, inode and offset); files rotated in and out between two polls are found
// by auditd's numbering. It polls rather than relying on fs.watch, which misses events on some
// filesystems and cannot say what was renamed where.
import { open, stat, type FileHandle } from 'node:fs/promises';

export interface TailerOptions {
  /** Read what the file already holds (an offline file) instead of starting at its end. */
  fromStart?: boolean;
  pollMs?: number;
  onLines: (lines: string[]) => void;
  onError: (err: Error) => void;
  /** Following again after an error was reported. */
  onRecovered?: () => void;
}

export interface TailerStats {
  lines: number;
  bytes: number;
  rotations: number;
  truncations: number;
  /** Lines dropped for exceeding MAX_LINE_BYTES. */
  overlong: number;
}

const DEFAULT_POLL_MS = 100;
const CHUNK_BYTES = 64 * 1024;
/**
 * No audit record comes near this (the kernel caps them at 8970 bytes): a longer run without
 * a newline is damage, such as the NUL-filled tail a crash can leave, and is skipped.
 */
export const MAX_LINE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
/** How far down auditd's `.1`, `.2` … a rotated-away file is looked for (num_logs is 5 by default). */
const MAX_ROTATED_FILES = 99;
const LISTING_ATTEMPTS = 3;

interface FileId {
  dev: bigint;
  ino: bigint;
}

interface OpenFile extends FileId {
  handle: FileHandle;
  offset: number;
}

export class LogTailer {
  readonly stats: TailerStats = { lines: 0, bytes: 0, rotations: 0, truncations: 0, overlong: 0 };
  private file: OpenFile | undefined;
  /** Where the first open starts; every file opened later (rotated in, created late) is new. */
  private nextOpenAt: 'start' | 'end';
  private partial: Buffer[] = [];
  private partialBytes = 0;
  /** Discarding up to the next newline: a line begun before we started, or an overlong one. */
  private skipping = false;
  private readonly chunk = Buffer.alloc(CHUNK_BYTES);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private started = false;
  private stopped = false;
  private lastError: string | undefined;
  /** The file a failed read was on, and how far it had been read. */
  private resumeAt: (FileId & { offset: number }) | undefined;

  constructor(
    private readonly path: string,
    private readonly options: TailerOptions,
  ) {
    this.nextOpenAt = options.fromStart ? 'start' : 'end';
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.running = this.tick();
  }

  /** Resolves once no read is in flight and the file is closed; no lines are delivered after. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    const file = this.file;
    this.file = undefined;
    await file?.handle.close().catch((err: unknown) => this.report(err));
  }

  private async tick(): Promise<void> {
    try {
      await this.poll();
      if (this.lastError !== undefined) {
        this.lastError = undefined;
        this.options.onRecovered?.();
      }
    } catch (err) {
      this.report(err);
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick();
    }, this.options.pollMs ?? DEFAULT_POLL_MS);
  }

  private async poll(): Promise<void> {
    this.file ??= await this.openPath();
    if (!this.file) return;
    await this.drain(this.file).catch(async (err: unknown) => {
      await this.dropFailed();
      throw err;
    });
    const current = await stat(this.path, { bigint: true }).catch(ifMissing(undefined));
    // Renamed away and its successor not created yet: keep reading the old file meanwhile.
    if (!current || this.stopped) return;
    if (!sameFile(current, this.file)) {
      await this.rotate(this.file);
    } else if (Number(current.size) < this.file.offset) {
      this.stats.truncations++;
      this.file.offset = 0;
      this.dropPartial();
      this.skipping = false;
      await this.drain(this.file);
    }
  }

  private async rotate(old: OpenFile): Promise<void> {
    const next = await this.openPath();
    // Gone again before we could open it: keep the old file until a successor holds still.
    if (!next) return;
    if (sameFile(next, old)) {
      await next.handle.close();
      return;
    }
    let missed: OpenFile[];
    try {
      // auditd has closed the renamed file before creating the new one: read what it wrote last.
      await this.drain(old);
      this.endOfFile();
      missed = await this.openMissedFiles(old, next);
    } catch (err) {
      await next.handle.close();
      throw err;
    }
    this.file = next;
    await old.handle.close();
    this.stats.rotations++;
    for (const file of missed) {
      try {
        await this.drain(file);
        this.endOfFile();
        this.stats.rotations++;
      } finally {
        await file.handle.close();
      }
    }
    await this.drain(next);
  }

  /**
   * Several rotations between two polls (a flood) leave files created and rotated away unseen.
   * auditd shifts `.N` to `.N+1` on each rotation, so they sit between the successor (or the
   * live file) and the old file's new place. auditd may rotate again meanwhile: the listing is
   * trusted only when two in a row agree and each file opened is the one listed; otherwise it
   * is tried again, then given up with an error. Returned open, oldest first.
   */
  private async openMissedFiles(old: OpenFile, next: OpenFile): Promise<OpenFile[]> {
    for (let attempt = 0; attempt < LISTING_ATTEMPTS; attempt++) {
      const listing = await this.listRotated(old);
      const again = await this.listRotated(old);
      if (listing.length !== again.length || listing.some((id, k) => !sameId(id, again[k]))) continue;
      const oldAt = listing.findIndex((id) => id !== undefined && sameFile(id, old));
      // Deleted already, or not named auditd's way: there is nothing to find.
      if (oldAt < 0) return [];
      const nextAt = listing.findIndex((id) => id !== undefined && sameFile(id, next));
      const opened = await this.openListed(listing, nextAt + 1, oldAt);
      if (opened) return opened.reverse();
    }
    this.report(new Error(`${this.path} rotated faster than it could be followed: lines may be missing`));
    return [];
  }

  /** Identities of `.1`, `.2` … up to the old file; undefined where a name is missing (mid-shift). */
  private async listRotated(old: OpenFile): Promise<(FileId | undefined)[]> {
    const listing: (FileId | undefined)[] = [];
    for (let k = 1; k <= MAX_ROTATED_FILES; k++) {
      const info = await stat(`${this.path}.${k}`, { bigint: true }).catch(ifMissing(undefined));
      const id = info && { dev: info.dev, ino: info.ino };
      listing.push(id);
      if (id && sameFile(id, old)) break;
    }
    return listing;
  }

  /** Opens `.from+1` … `.to` and checks each is the file listed; undefined (all closed) if not. */
  private async openListed(listing: (FileId | undefined)[], from: number, to: number): Promise<OpenFile[] | undefined> {
    const opened: OpenFile[] = [];
    let intact = false;
    try {
      for (let k = from; k < to; k++) {
        const expected = listing[k];
        const file = expected ? await openFile(`${this.path}.${k + 1}`) : undefined;
        if (file) opened.push(file);
        if (!expected || !file || !sameFile(file, expected)) return undefined;
      }
      intact = true;
      return opened;
    } finally {
      if (!intact) await Promise.all(opened.map((f) => f.handle.close()));
    }
  }

  /** The end of a rotated file: its unterminated last line is whole, nothing will follow it. */
  private endOfFile(): void {
    if (this.partialBytes > 0) this.deliver([this.takePartial().toString('utf8')]);
    this.skipping = false;
  }

  /**
   * After a failed read of the file followed, the path is opened afresh on the next poll, so
   * whatever is there then (the file back, or a new one) is followed; the same file resumes where
   * reading stopped. (A failure while rotating keeps the old file, to finish it on a retry.)
   */
  private async dropFailed(): Promise<void> {
    const failed = this.file;
    if (!failed) return;
    this.file = undefined;
    this.resumeAt = { dev: failed.dev, ino: failed.ino, offset: failed.offset };
    await failed.handle.close().catch(() => {});
  }

  private async openPath(): Promise<OpenFile | undefined> {
    const where = this.nextOpenAt;
    const file = await openFile(this.path);
    this.nextOpenAt = 'start';
    const resume = this.resumeAt;
    this.resumeAt = undefined;
    if (file && resume && sameFile(file, resume)) {
      file.offset = resume.offset;
      return file;
    }
    if (!file || where === 'start') return file;
    try {
      file.offset = Number((await file.handle.stat({ bigint: true })).size);
      if (file.offset > 0) this.skipping = !(await endsWithNewline(file.handle, file.offset));
      return file;
    } catch (err) {
      await file.handle.close();
      throw err;
    }
  }

  private async drain(file: OpenFile): Promise<void> {
    while (!this.stopped) {
      const { bytesRead } = await file.handle.read(this.chunk, 0, CHUNK_BYTES, file.offset);
      if (bytesRead === 0) return;
      file.offset += bytesRead;
      this.stats.bytes += bytesRead;
      this.deliver(this.splitLines(this.chunk.subarray(0, bytesRead)));
    }
  }

  private splitLines(bytes: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE); nl >= 0; nl = bytes.indexOf(NEWLINE, start)) {
      const piece = bytes.subarray(start, nl);
      start = nl + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (this.partialBytes + piece.length > MAX_LINE_BYTES) {
        this.dropPartial();
        this.stats.overlong++;
        continue;
      }
      const line = this.partialBytes > 0 ? Buffer.concat([this.takePartial(), piece]) : piece;
      if (line.length > 0) lines.push(line.toString('utf8'));
    }
    this.hold(bytes.subarray(start));
    return lines;
  }

  /** Keeps an unterminated line's bytes (copied: the read buffer is reused) until its newline. */
  private hold(rest: Buffer): void {
    if (rest.length === 0 || this.skipping) return;
    if (this.partialBytes + rest.length > MAX_LINE_BYTES) {
      this.dropPartial();
      this.skipping = true;
      this.stats.overlong++;
      return;
    }
    this.partial.push(Buffer.from(rest));
    this.partialBytes += rest.length;
  }

  private takePartial(): Buffer {
    const bytes = Buffer.concat(this.partial);
    this.dropPartial();
    return bytes;
  }

  private dropPartial(): void {
    this.partial = [];
    this.partialBytes = 0;
  }

  private deliver(lines: string[]): void {
    if (lines.length === 0 || this.stopped) return;
    this.stats.lines += lines.length;
    try {
      this.options.onLines(lines);
    } catch (err) {
      this.report(err);
    }
  }

  /** The same failure on every poll (a permission problem) is reported once, until it changes. */
  private report(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (error.message === this.lastError) return;
    this.lastError = error.message;
    this.options.onError(error);
  }
}

/** Opens a file for reading at its start; undefined when it does not exist. */
async function openFile(path: string): Promise<OpenFile | undefined> {
  const handle = await open(path, 'r').catch(ifMissing(undefined));
  if (!handle) return undefined;
  try {
    const info = await handle.stat({ bigint: true });
    return { handle, dev: info.dev, ino: info.ino, offset: 0 };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

function sameFile(a: FileId, b: FileId): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

function sameId(a: FileId | undefined, b: FileId | undefined): boolean {
  return a === undefined || b === undefined ? a === b : sameFile(a, b);
}

async function endsWithNewline(handle: FileHandle, size: number): Promise<boolean> {
  const last = Buffer.alloc(1);
  const { bytesRead } = await handle.read(last, 0, 1, size - 1);
  return bytesRead === 1 && last[0] === NEWLINE;
}

/** A catch handler: a missing file is an expected state (not created yet, mid-rotation). */
function ifMissing<T>(value: T): (err: unknown) => T {
  return (err) => {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return value;
    throw err;
  };
}
