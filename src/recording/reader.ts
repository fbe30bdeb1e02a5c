// Reads a recording back as a stream of validated events, in constant memory. Damage is
// expected (a killed vigil, a full disk, a hand-edited file), so damaged lines are reported
// and skipped rather than failing the investigation; only a file that is not a recording at
// all, or that cannot be read, is an error.
//
// Lines are split here rather than by node:readline because the reader must know whether the
// last line ended with a newline (an unterminated, unparsable last line is a cut-off write,
// not corruption), and because a truncated gzip stream must end the iteration normally
// without losing the output decompressed before zlib noticed.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { constants as zlibConstants, createGunzip } from 'node:zlib';
import { checkEvent, type VigilEvent } from '../engine/events.js';
import { checkHeader, describeIoError, isGzipPath, type RecordingHeader } from './format.js';

/** A damaged line, reported with its 1-based line number (the header is line 1). */
export interface RecordingProblem {
  kind: 'corrupt' | 'unknown-kind' | 'truncated';
  line: number;
  message: string;
}

export interface RecordingReadStats {
  /** Events delivered. */
  events: number;
  /** Lines skipped because they are not JSON or not a valid event. */
  corrupt: number;
  /** Lines skipped because their source/kind is not one this vigil knows. */
  unknownKinds: number;
  /** The recording was cut off: an incomplete last line, or a gzip stream without its end. */
  truncated: boolean;
}

export interface ReadRecordingOptions {
  /** Told of every skipped line; the caller decides how much of it to show. */
  onProblem?: (problem: RecordingProblem) => void;
}

/**
 * An opened recording. `events` is single-pass: it reads the file as it is iterated, and
 * finishing the loop or leaving it early closes the file. `stats` is updated as the events
 * are read and is final once the iteration ends. Read errors during the iteration (an I/O
 * error, gzip data corrupt in mid-file) are thrown from it with a one-line message.
 */
export interface Recording {
  header: RecordingHeader;
  events: AsyncIterable<VigilEvent>;
  stats: Readonly<RecordingReadStats>;
}

/** One line of the file. `text` is null when the line exceeds MAX_LINE_CHARS. */
interface Line {
  number: number;
  text: string | null;
  /** False only for a last line with no newline after it. */
  terminated: boolean;
}

/** Set by the decompressor when the gzip stream ends without its trailer. */
interface StreamState {
  cutOff: boolean;
}

// Far beyond any real event, but keeps a file with no newlines from exhausting memory.
const MAX_LINE_CHARS = 16 * 1024 * 1024;

/**
 * Opens a recording and validates its header. Rejects with a one-line message naming the
 * file when it cannot be read or is not a vigil recording of a supported version.
 */
export async function readRecording(path: string, options: ReadRecordingOptions = {}): Promise<Recording> {
  const stream: StreamState = { cutOff: false };
  const lines = splitLines(readBytes(path, stream));
  const first = await lines.next();
  const checked = first.done
    ? { ok: false as const, message: `not a vigil recording (${stream.cutOff ? 'the file ends before its header' : 'the file is empty'})` }
    : checkHeader(parseJson(first.value.text));
  if (!checked.ok) {
    await lines.return(undefined); // closes the file
    throw new Error(`${path}: ${checked.message}`);
  }
  const stats: RecordingReadStats = { events: 0, corrupt: 0, unknownKinds: 0, truncated: false };
  return { header: checked.header, events: deliver(lines, stream, stats, options.onProblem), stats };
}

async function* deliver(
  lines: AsyncGenerator<Line>,
  stream: StreamState,
  stats: RecordingReadStats,
  onProblem: ReadRecordingOptions['onProblem'],
): AsyncGenerator<VigilEvent> {
  const report = (kind: RecordingProblem['kind'], line: number, message: string): void => {
    if (kind === 'corrupt') stats.corrupt++;
    else if (kind === 'unknown-kind') stats.unknownKinds++;
    else stats.truncated = true;
    onProblem?.({ kind, line, message });
  };
  let lastLine = 1;
  for await (const line of lines) {
    lastLine = line.number;
    if (line.text === null) {
      report('corrupt', line.number, `line longer than ${MAX_LINE_CHARS} characters`);
      continue;
    }
    if (line.text.trim() === '') continue;
    const value = parseJson(line.text);
    if (value === undefined) {
      // Lines are objects, and no prefix of an object is valid JSON: an unterminated last line
      // that does not parse is a write that was cut short.
      if (line.terminated) report('corrupt', line.number, 'not valid JSON');
      else report('truncated', line.number, 'the last line is incomplete (the recording was cut off)');
      continue;
    }
    const result = checkEvent(value);
    if (result.ok) {
      stats.events++;
      yield result.event;
    } else {
      report(result.reason === 'unknown-kind' ? 'unknown-kind' : 'corrupt', line.number, result.message);
    }
  }
  // A gzip stream cut at a line boundary (the usual case after a sync flush) leaves no partial line.
  if (stream.cutOff && !stats.truncated) {
    report('truncated', lastLine + 1, 'the compressed data ends early (the recording was cut off)');
  }
}

/** JSON.parse returning undefined on failure; unambiguous, since no JSON text parses to undefined. */
function parseJson(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The file's content, decompressed for `.gz`; every read error becomes one line naming the file. */
async function* readBytes(path: string, stream: StreamState): AsyncGenerator<Buffer> {
  try {
    const file = createReadStream(path);
    yield* isGzipPath(path) ? inflate(file, stream) : (file as AsyncIterable<Buffer>);
  } catch (err) {
    throw new Error(`${path}: cannot read recording (${describeIoError(err)})`);
  }
}

/**
 * Decompresses chunk by chunk, awaiting each chunk's output before reading the next, so memory
 * stays bounded and all output is in hand when zlib reports a truncated stream. (Iterating the
 * gunzip stream directly would lose its buffered output: an erroring stream is destroyed.)
 */
async function* inflate(compressed: AsyncIterable<Buffer>, stream: StreamState): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  const output: Buffer[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  gunzip.on('data', (chunk: Buffer) => output.push(chunk));
  gunzip.on('error', (err) => {
    failure = err;
    wake?.();
  });
  // Starts one zlib operation and waits until its callback or an error, whichever comes first.
  const step = (start: (done: () => void) => void): Promise<void> =>
    new Promise((resolve, reject) => {
      wake = () => (failure ? reject(failure) : resolve());
      if (failure) wake();
      else start(wake);
    });
  try {
    try {
      for await (const chunk of compressed) {
        await step((done) => {
          gunzip.write(chunk);
          gunzip.flush(zlibConstants.Z_SYNC_FLUSH, done);
        });
        yield* output.splice(0);
      }
      await step((done) => {
        gunzip.once('end', done);
        gunzip.end();
      });
    } catch (err) {
      // zlib's "unexpected end of file": the writer was stopped before the gzip trailer.
      if ((err as { code?: unknown }).code !== 'Z_BUF_ERROR') throw err;
      // A zero-byte file says the same, but it is empty rather than cut off.
      stream.cutOff = gunzip.bytesWritten > 0;
    }
    yield* output.splice(0);
  } finally {
    gunzip.destroy(); // also when the consumer stops early
  }
}

async function* splitLines(bytes: AsyncIterable<Buffer>): AsyncGenerator<Line> {
  const decoder = new StringDecoder('utf8'); // keeps multi-byte characters split across chunks whole
  let partial = '';
  let overlong = false; // the line in progress passed the limit: its text is being dropped
  let number = 0;
  for await (const chunk of bytes) {
    const parts = (partial + decoder.write(chunk)).split('\n');
    partial = parts.pop() ?? '';
    for (const text of parts) {
      yield { number: ++number, text: overlong ? null : text, terminated: true };
      overlong = false;
    }
    if (partial.length > MAX_LINE_CHARS) {
      overlong = true;
      partial = '';
    }
  }
  partial += decoder.end();
  if (overlong || partial !== '') yield { number: ++number, text: overlong ? null : partial, terminated: false };
}
