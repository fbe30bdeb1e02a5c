// Text for the terminal: untrusted strings made inert, then fitted to a width (Ink must never
// wrap a line: a frame taller than the terminal flickers).
import { terminalSafe } from '../text/terminal-safe.js';

/** Inert and at most `width` columns (one column per code point; wide CJK counted as two). */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const safe = terminalSafe(text, Math.max(width * 2, 64));
  let out = '';
  let used = 0;
  for (const ch of safe) {
    const w = columns(ch);
    if (used + w > width) return `${out.slice(0, Math.max(0, out.length - 1))}…`;
    out += ch;
    used += w;
  }
  return out;
}

/** Pads (or fits) to exactly `width` columns. */
export function pad(text: string, width: number): string {
  const fitted = fit(text, width);
  let used = 0;
  for (const ch of fitted) used += columns(ch);
  return fitted + ' '.repeat(Math.max(0, width - used));
}

function columns(ch: string): number {
  const code = ch.codePointAt(0)!;
  // East Asian wide and fullwidth ranges: enough for the Chinese titles and names.
  return (code >= 0x1100 && code <= 0x115f) || (code >= 0x2e80 && code <= 0xa4cf) || (code >= 0xac00 && code <= 0xd7a3) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0xfe30 && code <= 0xfe4f) || (code >= 0xff00 && code <= 0xff60) || (code >= 0xffe0 && code <= 0xffe6) || (code >= 0x20000 && code <= 0x3fffd)
    ? 2
    : 1;
}

/** `hh:mm:ss` of an ISO timestamp; a recording's timestamp is untrusted text like any other. */
export function clock(ts: string): string {
  return fit(ts.slice(11, 19), 8);
}
