// Splits a chunked byte stream into lines, holding a partial line until its newline arrives.
// A line longer than `maxLength` is cut there and the rest of it, up to its newline, dropped:
// whoever writes the stream (a container's log) must not make vigil hold unbounded text.
import { StringDecoder } from 'node:string_decoder';

export function splitLines(onLine: (line: string) => void, maxLength = Number.POSITIVE_INFINITY): (chunk: Buffer | string) => void {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let dropping = false;
  return (chunk) => {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line && !dropping) onLine(line);
      dropping = false;
    }
    if (pending.length > maxLength) {
      if (!dropping) onLine(pending.slice(0, maxLength).trim());
      pending = '';
      dropping = true;
    }
  };
}
