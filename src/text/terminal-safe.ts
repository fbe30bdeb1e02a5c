// Untrusted strings (command lines, file names, container names, log lines) are data, never
// terminal control: control characters, escape sequences and bidi overrides become visible
// escapes, and very long strings are cut, before anything reaches a terminal.

/** DEL, the C1 controls and the invisible direction marks/overrides/isolates, as a character-class body. */
export const C1_AND_DIRECTION = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069';

/**
 * C0 and C1 controls, DEL, the invisible direction marks/overrides/isolates, and lone
 * surrogates (invalid text: a terminal would get U+FFFD of unknown width, or nothing at all).
 */
const UNSAFE = new RegExp(`[\\u0000-\\u001f${C1_AND_DIRECTION}]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]`, 'g');

function escapeChar(c: string): string {
  const code = c.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function terminalSafe(text: string, maxLength = 2048): string {
  // Cut between code points: half a surrogate pair would show as an escape of its own.
  const end = maxLength > 0 && /[\ud800-\udbff]/.test(text[maxLength - 1] ?? '') ? maxLength - 1 : maxLength;
  const cut = text.length > maxLength ? text.slice(0, end) : text;
  const safe = cut.replace(UNSAFE, escapeChar);
  return cut === text ? safe : `${safe}…(+${text.length - cut.length} chars)`;
}
