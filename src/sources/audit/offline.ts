// `vigil detect --audit-log FILE`: a saved audit log analysed offline. Nothing is read from
// this machine's /proc: processes are attributed to containers through the log's own process tree.
import { createReadStream } from 'node:fs';
import type { UnsequencedEvent } from '../../engine/events.js';
import { splitLines } from '../lines.js';
import { AuditAssembler, type AssemblerStats } from './assemble.js';
import { Attribution } from './attribution.js';
import { MAX_LINE_LENGTH } from './record.js';
import { AuditConverter } from './to-events.js';

export interface AuditLogStats extends AssemblerStats {
  /** Malformed lines by reason (a few fixed reasons, for counting). */
  reasons: Map<string, number>;
}

export async function readAuditLog(path: string, emit: (event: UnsequencedEvent) => void): Promise<AuditLogStats> {
  const converter = new AuditConverter({ attribution: new Attribution(false), hashExecutables: false });
  const reasons = new Map<string, number>();
  const assembler = new AuditAssembler({
    onEvent: (event) => {
      const converted = converter.convert(event);
      if (converted) emit(converted);
    },
    onMalformed: (reason) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1),
  });
  // Cut just past the longest line a record may be (so it is still refused as too long): a file
  // without newlines must not be held whole, nor rescanned as it grows.
  const push = splitLines((line) => assembler.push(line), MAX_LINE_LENGTH + 1);
  try {
    for await (const chunk of createReadStream(path)) push(chunk as Buffer);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${path}: cannot read audit log (${e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EISDIR' ? 'is a directory' : e.message})`);
  }
  push('\n'); // a last line without its newline
  assembler.flush();
  return { ...assembler.stats, reasons };
}
