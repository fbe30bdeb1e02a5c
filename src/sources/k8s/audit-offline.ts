// `vigil detect --k8s-audit FILE`: a saved Kubernetes audit log analysed offline. Either one JSON
// event per line, as kube-apiserver's log backend writes it, read as a stream; or one JSON
// document (an EventList from a webhook capture or `kubectl get --raw`, pretty-printed or not),
// told apart by its first two lines, neither of which parses on its own.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { UnsequencedEvent } from '../../engine/events.js';
import { auditEvent, parseAuditDocument, parseAuditLine, type ParsedAudit } from './audit-event.js';
import { StageMerger } from './stages.js';

export interface K8sAuditLogStats {
  /** API requests emitted, each once whatever stages the log holds. */
  requests: number;
  /** Lines (or EventList items) that are not a usable audit event. */
  rejected: number;
  /** Stage events folded into a request already counted. */
  duplicates: number;
  /** Rejections by reason. */
  reasons: Map<string, number>;
}

/** kube-apiserver caps a request body at 3 MiB; a line far past that is not one of its events. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** A whole document is parsed in memory (and V8 strings stop just short of 512 MiB). */
const MAX_DOCUMENT_BYTES = 512 * 1024 * 1024;
const NEWLINE = 0x0a;
const TOO_LONG = Symbol('line too long');

export async function readK8sAuditLog(file: string, emit: (event: UnsequencedEvent) => void): Promise<K8sAuditLogStats> {
  const merger = new StageMerger((data) => emit(auditEvent(data)));
  const reasons = new Map<string, number>();
  let rejected = 0;
  const take = (parsed: ParsedAudit): void => {
    for (const reason of parsed.rejected) {
      rejected++;
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    for (const data of parsed.events) merger.push(data);
  };
  try {
    const document = await readLines(file, take);
    if (document) {
      const parsed = await readDocument(file);
      // Not JSON after all (a log whose first lines are damaged): read it line by line.
      if (parsed) take(parsed);
      else await readLines(file, take, false);
    }
  } catch (err) {
    throw new Error(`${file}: cannot read Kubernetes audit log (${describeError(err)})`);
  }
  merger.flush();
  return { requests: merger.stats.requests, rejected, duplicates: merger.stats.duplicates, reasons };
}

/** Feeds each line to `take`; true, having fed nothing, when the file looks like one JSON document. */
async function readLines(file: string, take: (parsed: ParsedAudit) => void, detect = true): Promise<boolean> {
  // The first line, when it starts a JSON value but is not one: the second line decides.
  let held: string | undefined;
  const lineMode = (): void => {
    if (held !== undefined) take(parseAuditLine(held));
    held = undefined;
    detect = false;
  };
  for await (const raw of fileLines(file)) {
    if (raw === TOO_LONG) {
      lineMode();
      take({ events: [], rejected: ['line too long'] });
      continue;
    }
    const line = raw.trim();
    if (!line) continue;
    const parsed = parseAuditLine(line);
    if (detect && isInvalidJson(parsed)) {
      if (held !== undefined) return true;
      if (line.startsWith('{')) {
        held = line;
        continue;
      }
    }
    lineMode();
    take(parsed);
  }
  return held !== undefined;
}

function isInvalidJson(parsed: ParsedAudit): boolean {
  return parsed.rejected[0] === 'invalid JSON';
}

/** The whole file parsed as one JSON value; undefined when it is not JSON. */
async function readDocument(file: string): Promise<ParsedAudit | undefined> {
  const { size } = await stat(file);
  if (size >= MAX_DOCUMENT_BYTES) throw new Error(`a single JSON document of ${size} bytes, over 512 MiB: convert it to one event per line`);
  let value: unknown;
  try {
    value = JSON.parse(stripBom(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
  return parseAuditDocument(value);
}

/**
 * The file's lines, decoded whole (a UTF-8 sequence may straddle chunks). A line longer than
 * MAX_LINE_BYTES is not held: TOO_LONG stands for it, and the rest of it is skipped.
 */
async function* fileLines(file: string): AsyncGenerator<string | typeof TOO_LONG> {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  let first = true;
  const line = (last: Buffer): string => {
    const text = (size > 0 ? Buffer.concat([...parts, last]) : last).toString('utf8');
    parts = [];
    size = 0;
    if (!first) return text;
    first = false;
    return stripBom(text);
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (skipping) skipping = false;
      else if (size + piece.length > MAX_LINE_BYTES) {
        parts = [];
        size = 0;
        yield TOO_LONG;
      } else yield line(piece);
    }
    const rest = chunk.subarray(start);
    if (skipping || rest.length === 0) continue;
    if (size + rest.length > MAX_LINE_BYTES) {
      parts = [];
      size = 0;
      skipping = true;
      yield TOO_LONG;
    } else {
      parts.push(rest);
      size += rest.length;
    }
  }
  if (!skipping && size > 0) yield line(Buffer.alloc(0));
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file or directory';
  if (e.code === 'EISDIR') return 'is a directory';
  if (e.code === 'EACCES') return 'permission denied';
  return e.message.split('\n')[0] ?? String(err);
}
