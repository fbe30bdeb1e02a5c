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
 * An opened recording, read once: through `events`, or through `batches` (the events of one
 * chunk of the file at a time, for a consumer that handles them synchronously and so pays one
 * await per chunk rather than per event). It reads the file as it is iterated, and finishing the
 * loop or leaving it early closes the file. `stats` is updated as the events are read and is
 * final once the iteration ends. Read errors during the iteration (an I/O error, gzip data
 * corrupt in mid-file) are thrown from it with a one-line message.
 */
export interface Recording {
  header: RecordingHeader;
  events: AsyncIterable<VigilEvent>;
  batches: AsyncIterable<VigilEvent[]>;
  stats: Readonly<RecordingReadStats>;
}

/** The lines of one chunk of the file; a text is null when its line exceeds MAX_LINE_CHARS. */
interface Lines {
  /** The 1-based number of the first line. */
  first: number;
  texts: (string | null)[];
  /** False only when the last of these is the file's last line, with no newline after it. */
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
  const chunks = splitLines(readBytes(path, stream));
  let first: Lines | undefined;
  while (first === undefined || first.texts.length === 0) {
    const next = await chunks.next();
    if (next.done) break;
    first = next.value;
  }
  const checked =
    first === undefined || first.texts.length === 0
      ? { ok: false as const, message: `not a vigil recording (${stream.cutOff ? 'the file ends before its header' : 'the file is empty'})` }
      : checkHeader(parseJson(first.texts[0]!));
  if (!checked.ok) {
    await chunks.return(undefined); // closes the file
    throw new Error(`${path}: ${checked.message}`);
  }
  const rest: Lines = { first: first!.first + 1, texts: first!.texts.slice(1), terminated: first!.terminated };
  const stats: RecordingReadStats = { events: 0, corrupt: 0, unknownKinds: 0, truncated: false };
  const batches = deliver(rest, chunks, stream, stats, options.onProblem);
  return { header: checked.header, batches, events: oneByOne(batches), stats };
}

async function* oneByOne(batches: AsyncIterable<VigilEvent[]>): AsyncGenerator<VigilEvent> {
  for await (const batch of batches) yield* batch;
}

async function* deliver(
  rest: Lines,
  chunks: AsyncGenerator<Lines>,
  stream: StreamState,
  stats: RecordingReadStats,
  onProblem: ReadRecordingOptions['onProblem'],
): AsyncGenerator<VigilEvent[]> {
  const report = (kind: RecordingProblem['kind'], line: number, message: string): void => {
    if (kind === 'corrupt') stats.corrupt++;
    else if (kind === 'unknown-kind') stats.unknownKinds++;
    else stats.truncated = true;
    onProblem?.({ kind, line, message });
  };
  let lastLine = 1;
  const eventsOf = ({ first, texts, terminated }: Lines): VigilEvent[] => {
    const events: VigilEvent[] = [];
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i]!;
      const number = first + i;
      lastLine = number;
      if (text === null) {
        report('corrupt', number, `line longer than ${MAX_LINE_CHARS} characters`);
        continue;
      }
      const value = parseJson(text);
      if (value === undefined) {
        if (text.trim() === '') continue;
        // Lines are objects, and no prefix of an object is valid JSON: an unterminated last line
        // that does not parse is a write that was cut short.
        if (terminated || i < texts.length - 1) report('corrupt', number, 'not valid JSON');
        else report('truncated', number, 'the last line is incomplete (the recording was cut off)');
        continue;
      }
      const result = checkEvent(value);
      if (result.ok) {
        stats.events++;
        events.push(result.event);
      } else {
        report(result.reason === 'unknown-kind' ? 'unknown-kind' : 'corrupt', number, result.message);
      }
    }
    return events;
  };
  try {
    const head = eventsOf(rest);
    if (head.length > 0) yield head;
    for await (const lines of chunks) {
      const events = eventsOf(lines);
      if (events.length > 0) yield events;
    }
  } finally {
    await chunks.return(undefined); // closes the file when the consumer stops early
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

async function* splitLines(bytes: AsyncIterable<Buffer>): AsyncGenerator<Lines> {
  const decoder = new StringDecoder('utf8'); // keeps multi-byte characters split across chunks whole
  let partial = '';
  let overlong = false; // the line in progress passed the limit: its text is being dropped
  let number = 1;
  for await (const chunk of bytes) {
    // Only the new text is split: re-splitting a long partial line with every chunk is quadratic.
    const texts: (string | null)[] = decoder.write(chunk).split('\n');
    texts[0] = partial + texts[0];
    partial = texts.pop() as string;
    if (overlong && texts.length > 0) {
      texts[0] = null;
      overlong = false;
    }
    if (partial.length > MAX_LINE_CHARS) {
      overlong = true;
      partial = '';
    }
    yield { first: number, texts, terminated: true };
    number += texts.length;
  }
  partial += decoder.end();
  if (overlong || partial !== '') yield { first: number, texts: [overlong ? null : partial], terminated: false };
}
