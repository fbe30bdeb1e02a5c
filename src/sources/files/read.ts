// Reads the facts the file rules need from one file of a container's filesystem, without ever
// following a link: the container's owner controls every name in it, and a symlink to the
// host's /etc/shadow must not make vigil read (and record) the host's file.
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { openToRead } from './contained-path.js';

export interface FileFacts {
  size: number;
  stat: { mode: string; uid: number; gid: number };
  sha256?: string;
  entropy?: number;
  content?: string;
  strings?: string;
  truncated?: boolean;
}

export interface ReadLimits {
  /** Whether the file's text travels in the event (web files, scripts, account files). */
  scannable: boolean;
  contentLimitBytes: number;
  hashLimitBytes: number;
}

/** A failure's reason is one of contained-path's (GONE: deleted since it was seen) or an errno code. */
export type ReadResult = { ok: true; facts: FileFacts } | { ok: false; reason: string };

const CHUNK = 64 * 1024;
/** Entropy is measured over the head: enough to tell ciphertext from text or media. */
const ENTROPY_BYTES = 64 * 1024;
/** Printable runs shorter than this in a binary are mostly machine code, not strings. */
const MIN_STRING = 8;
/** A text file has no NUL in its first bytes; a binary almost always does. */
const TEXT_PROBE = 8 * 1024;

/**
 * The facts of `path`, which must lie, without links, inside `root` (the layer or mount the
 * path belongs to). Regular files only; anything else is reported with its mode alone.
 */
export async function readFileFacts(path: string, root: string, limits: ReadLimits): Promise<ReadResult> {
  const target = await openToRead(root, path);
  if (!target.ok) return target;
  const { stats, handle } = target;
  const stat = { mode: stats.mode.toString(8), uid: stats.uid, gid: stats.gid };
  if (!handle) return { ok: true, facts: { size: stats.size, stat } };
  try {
    return { ok: true, facts: await readContent(handle, stats.size, stat, limits) };
  } catch (err) {
    return { ok: false, reason: (err as NodeJS.ErrnoException).code ?? 'unreadable' };
  } finally {
    await handle.close();
  }
}

async function readContent(
  handle: FileHandle,
  size: number,
  stat: FileFacts['stat'],
  limits: ReadLimits,
): Promise<FileFacts> {
  const hashing = size <= limits.hashLimitBytes;
  const hash = hashing ? createHash('sha256') : undefined;
  const keepLimit = limits.contentLimitBytes;
  const head: Buffer[] = [];
  let headBytes = 0;
  const counts = new Uint32Array(256);
  let counted = 0;
  const strings = new StringsCollector(keepLimit);
  let binary: boolean | undefined;
  const chunk = Buffer.alloc(CHUNK);
  let offset = 0;
  // Read up to the hash limit when hashing, else only what content and entropy need.
  const readUpTo = hashing ? size : Math.min(size, Math.max(keepLimit, ENTROPY_BYTES));
  while (offset < readUpTo) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(CHUNK, readUpTo - offset), offset);
    if (bytesRead === 0) break; // shrank while read
    const bytes = chunk.subarray(0, bytesRead);
    hash?.update(bytes);
    for (let i = 0; i < bytesRead && counted < ENTROPY_BYTES; i++, counted++) counts[bytes[i]!]! += 1;
    binary ??= bytes.subarray(0, TEXT_PROBE).includes(0);
    if (binary) strings.add(bytes);
    else if (headBytes < keepLimit) {
      const take = bytes.subarray(0, keepLimit - headBytes);
      head.push(Buffer.from(take));
      headBytes += take.length;
    }
    offset += bytesRead;
  }
  const facts: FileFacts = { size, stat };
  if (hash && offset === size) facts.sha256 = hash.digest('hex');
  if (counted > 0) facts.entropy = round(entropyOf(counts, counted));
  // Scripts are scannable whatever their name: `#!` says what they are.
  const script = !binary && head[0]?.subarray(0, 2).toString('latin1') === '#!';
  if (!limits.scannable && !binary && !script) return facts;
  if (binary) {
    // Only executables carry strings: that is where miners and backdoors hide theirs.
    if ((Number.parseInt(stat.mode, 8) & 0o111) !== 0 || strings.elf) {
      facts.strings = strings.text();
      if (strings.truncated || offset < size) facts.truncated = true;
    }
  } else {
    facts.content = Buffer.concat(head).toString('utf8');
    if (size > keepLimit) facts.truncated = true;
  }
  return facts;
}

/** Shannon entropy in bits per byte. */
function entropyOf(counts: Uint32Array, total: number): number {
  let bits = 0;
  for (const n of counts) {
    if (n === 0) continue;
    const p = n / total;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Printable ASCII runs of a binary, like strings(1), kept up to a byte limit. */
class StringsCollector {
  private readonly runs: string[] = [];
  private run = '';
  private kept = 0;
  truncated = false;
  elf: boolean | undefined;

  constructor(private readonly limit: number) {}

  add(bytes: Buffer): void {
    this.elf ??= bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
    let start = -1;
    for (let i = 0; i < bytes.length && !this.truncated; i++) {
      const b = bytes[i]!;
      if (b >= 0x20 && b < 0x7f) {
        if (start < 0) start = i;
      } else {
        if (start >= 0) this.append(bytes, start, i);
        start = -1;
        this.end();
      }
    }
    // A run reaching the end of the chunk continues in the next one.
    if (start >= 0 && !this.truncated) this.append(bytes, start, bytes.length);
  }

  /** A run longer than the limit is noise; it is cut where the limit falls. */
  private append(bytes: Buffer, start: number, end: number): void {
    const room = this.limit - this.run.length;
    if (room > 0) this.run += bytes.toString('latin1', start, Math.min(end, start + room));
  }

  private end(): void {
    if (this.run.length >= MIN_STRING) {
      if (this.kept + this.run.length + 1 > this.limit) this.truncated = true;
      else {
        this.runs.push(this.run);
        this.kept += this.run.length + 1;
      }
    }
    this.run = '';
  }

  text(): string {
    this.end();
    return this.runs.join('\n');
  }
}
