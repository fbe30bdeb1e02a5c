// /etc/shadow leaves the source reduced, so no password hash reaches an event, a recording or
// an alert. Only the password field (the second) changes, and only when it holds a hash: past
// its leading `!`/`*` lock markers it has a `$` (every modular crypt format) or 13 crypt-alphabet
// characters in a row (DES, the shortest hash). It then becomes those markers and `<hash>`
// (`!$6$…` → `!<hash>`). Empty, `*`, `!`, `!!`, `!*`, `*LK*` and the like stay as they are, and
// so does every other field and line, byte for byte. Lines are not told apart, so a
// commented-out entry loses its hash too. Reducing twice changes nothing.

const HASH = /\$|[./0-9A-Za-z]{13}/;

export function reduceShadow(text: string): string {
  return text.split('\n').map(reduceLine).join('\n');
}

function reduceLine(line: string): string {
  const start = line.indexOf(':') + 1;
  if (start === 0) return line;
  let end = line.indexOf(':', start);
  // A CRLF line's \r ends the line, not the field.
  if (end < 0) end = line.endsWith('\r') ? line.length - 1 : line.length;
  const field = line.slice(start, end);
  const markers = /^[!*]*/.exec(field)![0];
  if (!HASH.test(field.slice(markers.length))) return line;
  return `${line.slice(0, start)}${markers}<hash>${line.slice(end)}`;
}
