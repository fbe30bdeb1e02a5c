// `vigil detect --audit-log FILE`: a saved audit log analysed offline. Nothing is read from
// this machine's /proc: processes are attributed to containers through the log's own process tree.
import { createReadStream } from 'node:fs';
import type { UnsequencedEvent } from '../../engine/events.js';
import { splitLines } from '../lines.js';
import { AuditAssembler, type AssemblerStats } from './assemble.js';
import { Attribution } from './attribution.js';
import { AuditConverter } from './to-events.js';

export async function readAuditLog(path: string, emit: (event: UnsequencedEvent) => void): Promise<AssemblerStats> {
  const converter = new AuditConverter({ attribution: new Attribution(false), hashExecutables: false });
  const assembler = new AuditAssembler({
    onEvent: (event) => {
      const converted = converter.convert(event);
      if (converted) emit(converted);
    },
  });
  const push = splitLines((line) => assembler.push(line));
  try {
    for await (const chunk of createReadStream(path)) push(chunk as Buffer);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${path}: cannot read audit log (${e.code === 'ENOENT' ? 'no such file or directory' : e.code === 'EISDIR' ? 'is a directory' : e.message})`);
  }
  push('\n'); // a last line without its newline
  assembler.flush();
  return assembler.stats;
}
