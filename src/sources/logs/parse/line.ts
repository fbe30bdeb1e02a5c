// What every service parser needs from a raw line: the prefixes that log shippers add taken off,
// and a length cap. No server writes an authentication message near 64 KiB (sshd cuts its own at
// 1 KiB, MongoDB truncates attributes at 10 KB), so longer lines are skipped unread: that bounds
// the work of every regex below on hostile input.
export const MAX_LINE = 64 * 1024;

/** A line without its transport prefixes; `tag` and `pid` come from a syslog header when there was one. */
export interface LogLine {
  message: string;
  tag?: string;
  pid?: string;
}

// RFC 3339 (rsyslog, journalctl -o short-iso, `docker logs -t`) or BSD syslog (`Nov 27 14:52:01`).
const TIMESTAMP = /^(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d) /;
const HOST_TAG = /^\S{1,255} ([^\s[\]:]{1,64})(?:\[(\d{1,10})\])?: /;

/**
 * Takes off up to two timestamps (a container runtime's, then syslog's) and, after a timestamp,
 * a syslog `host tag[pid]: ` header. Undefined for lines over MAX_LINE.
 */
export function splitLine(line: string): LogLine | undefined {
  if (line.length > MAX_LINE) return undefined;
  let message = line.endsWith('\r') ? line.slice(0, -1) : line;
  let stamped = false;
  for (let i = 0; i < 2; i++) {
    const ts = TIMESTAMP.exec(message);
    if (!ts) break;
    message = message.slice(ts[0].length);
    stamped = true;
  }
  const header = stamped ? HOST_TAG.exec(message) : null;
  if (!header) return { message };
  return { message: message.slice(header[0].length), tag: header[1], pid: header[2] };
}

/** Map.set that drops the oldest entries beyond `max`, for state keyed by attacker-driven ids. */
export function remember<K, V>(map: Map<K, V>, key: K, value: V, max = 4096): void {
  map.delete(key); // re-inserting moves the key to the newest end
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}
