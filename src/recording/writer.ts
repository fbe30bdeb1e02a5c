// Writes a recording while vigil runs. Events are batched so the event loop never waits on
// the disk per event, yet reach the file within 100 ms, so a vigil killed outright still
// leaves a readable recording of nearly everything it saw.
import { constants as fsConstants, type WriteStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { constants as zlibConstants, createGzip, type Gzip } from 'node:zlib';
import type { VigilEvent } from '../engine/events.js';
import { describeIoError, isGzipPath, type RecordingHeader } from './format.js';

const FLUSH_INTERVAL_MS = 100;
// Counted in string length rather than bytes: a threshold only needs to be roughly right.
const FLUSH_THRESHOLD_CHARS = 64 * 1024;
// Recordings hold container details (commands, mounts, labels): readable by the owner only.
const FILE_MODE = 0o600;
// O_NOFOLLOW: vigil often runs as root, and a symlink planted where the recording goes must
// not make it truncate some other file.
const OPEN_FLAGS = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | fsConstants.O_NOFOLLOW;

export interface RecordingWriterOptions {
  /**
   * Called once with the first write error (disk full, file too large, I/O error); the writer
   * then stops writing. Without it, the error surfaces as the rejection of `close()`.
   */
  onError?: (err: Error) => void;
}

export interface RecordingWriterStats {
  /** Events accepted by `write()` before any error stopped the writer. */
  events: number;
  /** Bytes that have reached the file (compressed bytes for `.gz`). */
  bytes: number;
}

export interface RecordingWriter {
  /** Queues one event; never throws for I/O and never waits. Ignored after `close()` or an error. */
  write(event: VigilEvent): void;
  /** Writes what is buffered, ends the gzip stream if any, and closes the file. */
  close(): Promise<void>;
  readonly stats: RecordingWriterStats;
}

/**
 * Creates (or truncates) `path` with mode 0600 and writes the header. Rejects with a one-line
 * message naming the path when the file cannot be created.
 */
export async function openRecordingWriter(
  path: string,
  header: RecordingHeader,
  options: RecordingWriterOptions = {},
): Promise<RecordingWriter> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS, FILE_MODE);
  } catch (err) {
    throw openError(path, err);
  }
  try {
    // The mode given to open() is narrowed by the umask but never applied to an existing file.
    await handle.chmod(FILE_MODE);
  } catch (err) {
    await handle.close().catch(() => undefined); // the chmod failure is the error worth reporting
    throw openError(path, err);
  }
  return new FileRecordingWriter(path, handle, header, options);
}

function openError(path: string, err: unknown): Error {
  const code = (err as { code?: unknown }).code;
  const reason = code === 'ENOENT' ? `directory ${dirname(path)} does not exist` : describeIoError(err);
  return new Error(`${path}: cannot create recording (${reason})`);
}

class FileRecordingWriter implements RecordingWriter {
  readonly #path: string;
  readonly #onError: ((err: Error) => void) | undefined;
  readonly #file: WriteStream;
  /** Present for `.gz`: lines go through it and its output is piped into #file. */
  readonly #gzip: Gzip | undefined;
  /** Settles when the file descriptor is closed, whether by close() or after an error. */
  readonly #fileClosed: Promise<void>;
  #pending: string[] = [];
  #pendingChars = 0;
  #timer: NodeJS.Timeout | undefined;
  #events = 0;
  #error: Error | undefined;
  #closing: Promise<void> | undefined;

  constructor(path: string, handle: FileHandle, header: RecordingHeader, options: RecordingWriterOptions) {
    this.#path = path;
    this.#onError = options.onError;
    this.#file = handle.createWriteStream();
    this.#fileClosed = new Promise((resolve) => this.#file.once('close', () => resolve()));
    // Listening here is what keeps a write error from becoming an uncaught exception.
    this.#file.on('error', (err) => this.#fail(err));
    if (isGzipPath(path)) {
      this.#gzip = createGzip();
      this.#gzip.on('error', (err) => this.#fail(err));
      this.#gzip.pipe(this.#file);
    }
    // Rebuilt field by field so the key order on disk is fixed and extra caller keys stay out.
    const { format, version, host, startedAt, vigilVersion } = header;
    this.#enqueue(JSON.stringify({ format, version, host, startedAt, vigilVersion }));
    // The header goes out at once: even a vigil killed in its first instant leaves a recognisable file.
    this.#flush();
  }

  write(event: VigilEvent): void {
    if (this.#error || this.#closing) return;
    this.#enqueue(JSON.stringify(event));
    this.#events++;
    if (this.#pendingChars >= FLUSH_THRESHOLD_CHARS) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), FLUSH_INTERVAL_MS);
  }

  get stats(): RecordingWriterStats {
    return { events: this.#events, bytes: this.#file.bytesWritten };
  }

  close(): Promise<void> {
    this.#closing ??= this.#finish();
    return this.#closing;
  }

  async #finish(): Promise<void> {
    this.#flush();
    // After an error both streams are already destroyed; ending them again would only add noise.
    // Ending the gzip stream ends the file through the pipe once the gzip trailer is out.
    if (!this.#error) (this.#gzip ?? this.#file).end();
    await this.#fileClosed;
    if (this.#error && !this.#onError) throw this.#error;
  }

  #enqueue(line: string): void {
    this.#pending.push(line, '\n');
    this.#pendingChars += line.length + 1;
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#error || this.#pending.length === 0) return;
    const chunk = this.#pending.join('');
    this.#pending = [];
    this.#pendingChars = 0;
    if (this.#gzip) {
      this.#gzip.write(chunk);
      // A sync flush ends the compressed data on a byte boundary: everything written so far can
      // be decompressed from the file even if the process dies before the gzip trailer.
      this.#gzip.flush(zlibConstants.Z_SYNC_FLUSH);
    } else {
      this.#file.write(chunk);
    }
  }

  #fail(err: Error): void {
    if (this.#error) return; // one report; later errors are consequences of the first
    this.#error = new Error(`${this.#path}: recording stopped (${describeIoError(err)})`);
    clearTimeout(this.#timer);
    this.#pending = [];
    this.#gzip?.destroy();
    this.#file.destroy();
    this.#onError?.(this.#error);
  }
}
