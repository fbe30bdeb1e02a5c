// One line of the kernel audit log as auditd writes it, in RAW or ENRICHED format:
//
//   [node=NAME ]type=TYPE msg=audit(SEC.MSEC:SERIAL): key=value key="value" …[\x1d INTERPRETED…]
//
// Lines carry attacker-influenced text (argv, file names, process names), so parsing is one
// linear scan that never throws and rejects what it cannot read with a short reason.

/** Well above the longest record the kernel emits (8970 bytes) plus auditd's interpretations. */
export const MAX_LINE_LENGTH = 64 * 1024;

/** ENRICHED format: auditd appends its interpretations (`UID="root"` …) after this byte. */
const ENRICHED_SEPARATOR = '\x1d';

export interface AuditRecord {
  /** `SYSCALL`, `EXECVE`, … or `UNKNOWN[1334]` for types auditd has no name for. */
  type: string;
  /** The originating host, present when auditd's name_format adds `node=`. */
  node?: string;
  /** Event time in epoch milliseconds. */
  time: number;
  /** The event time exactly as logged (`sec.msec`). */
  timestamp: string;
  serial: number;
  /** Field values: quotes removed, `(null)` as '', known string fields decoded from hex. */
  fields: Record<string, string>;
  /** The logged hex of the fields decoded from it, for joining byte chunks (EXECVE `aN[i]`). */
  hex: Record<string, string>;
}

export type RecordParse = { ok: true; record: AuditRecord } | { ok: false; reason: string };

/**
 * Fields the kernel logs as untrusted strings (audit_log_untrustedstring): quoted when
 * printable, otherwise hex-encoded without quotes. acct and cmd are the same convention in
 * user-space records (PAM, sudo). Other unquoted values (numbers, a0…a3 syscall arguments,
 * saddr) are never decoded.
 */
const STRING_FIELDS = new Set(['proctitle', 'comm', 'ocomm', 'exe', 'cwd', 'name', 'path', 'key', 'acct', 'cmd']);
/** EXECVE arguments: `a0=…`, or chunks `a1[0]=…` of an argument logged as `a1_len=N`. */
const EXECVE_ARG = /^a\d+(\[\d+\])?$/;

const TYPE_PATTERN = /^[A-Z0-9_]{1,64}(\[\d{1,10}\])?$/;
const TIMESTAMP_PATTERN = /^(\d{1,12})\.(\d{3})$/;
const SERIAL_PATTERN = /^\d{1,15}$/;
const HEX_PATTERN = /^(?:[0-9A-Fa-f]{2})+$/;

export function parseRecord(line: string): RecordParse {
  if (line.length > MAX_LINE_LENGTH) return reject('line too long');
  if (line.includes('\0')) return reject('NUL byte in line');
  const separator = line.indexOf(ENRICHED_SEPARATOR);
  const raw = (separator >= 0 ? line.slice(0, separator) : line).trimEnd();

  let rest = raw;
  let node: string | undefined;
  if (rest.startsWith('node=')) {
    const space = rest.indexOf(' ');
    if (space < 0) return reject('no type');
    node = rest.slice('node='.length, space);
    rest = rest.slice(space + 1);
  }
  if (!rest.startsWith('type=')) return reject('no type');
  const typeEnd = rest.indexOf(' ');
  const type = rest.slice('type='.length, typeEnd < 0 ? rest.length : typeEnd);
  if (!TYPE_PATTERN.test(type)) return reject('bad type');
  rest = typeEnd < 0 ? '' : rest.slice(typeEnd).trimStart();
  if (!rest.startsWith('msg=audit(')) return reject('no msg=audit(…)');
  const close = rest.indexOf(')');
  if (close < 0 || rest[close + 1] !== ':') return reject('no msg=audit(…)');
  const stamp = rest.slice('msg=audit('.length, close);
  const colon = stamp.indexOf(':');
  const timestamp = colon < 0 ? stamp : stamp.slice(0, colon);
  const time = TIMESTAMP_PATTERN.exec(timestamp);
  if (!time) return reject('bad timestamp');
  const serialText = colon < 0 ? '' : stamp.slice(colon + 1);
  if (!SERIAL_PATTERN.test(serialText)) return reject('bad serial');

  const fields: Record<string, string> = Object.create(null);
  const hex: Record<string, string> = Object.create(null);
  const failure = parseFields(rest.slice(close + 2), type, fields, hex, true);
  if (failure) return reject(failure);
  const record: AuditRecord = {
    type,
    time: Number(time[1]) * 1000 + Number(time[2]),
    timestamp,
    serial: Number(serialText),
    fields,
    hex,
  };
  if (node !== undefined) record.node = node;
  return { ok: true, record };
}

/**
 * Reads `key=value` pairs into fields (the first of a repeated key wins); words without `=`
 * (AVC's `avc:  denied  { read } for`) are skipped. User-space records nest their message as
 * `msg='op=… exe="…" res=success'`: it is kept whole as `msg` and its pairs are read too.
 */
function parseFields(
  body: string,
  type: string,
  fields: Record<string, string>,
  hex: Record<string, string>,
  allowNested: boolean,
): string | undefined {
  const end = body.length;
  let i = 0;
  while (i < end) {
    while (body[i] === ' ') i++;
    if (i >= end) break;
    const start = i;
    while (i < end && body[i] !== '=' && body[i] !== ' ') i++;
    if (i >= end || body[i] === ' ' || i === start) {
      while (i < end && body[i] !== ' ') i++;
      continue;
    }
    const key = body.slice(start, i);
    i++;
    const quote = body[i];
    let value: string;
    let quoted = false;
    if (quote === '"' || quote === "'") {
      const closing = body.indexOf(quote, i + 1);
      if (closing < 0) return 'unterminated quote';
      value = body.slice(i + 1, closing);
      quoted = true;
      i = closing + 1;
    } else {
      const space = body.indexOf(' ', i);
      const valueEnd = space < 0 ? end : space;
      value = body.slice(i, valueEnd);
      i = valueEnd;
    }
    if (key in fields) continue;
    if (!quoted) {
      if (value === '(null)') value = '';
      else if (isStringField(type, key) && HEX_PATTERN.test(value)) {
        hex[key] = value;
        value = Buffer.from(value, 'hex').toString('utf8');
      }
    }
    fields[key] = value;
    if (allowNested && quote === "'" && key === 'msg') mergeNested(value, type, fields, hex);
  }
  return undefined;
}

/** A nested message that does not parse stays available whole, as `msg`. */
function mergeNested(message: string, type: string, fields: Record<string, string>, hex: Record<string, string>): void {
  const innerFields: Record<string, string> = Object.create(null);
  const innerHex: Record<string, string> = Object.create(null);
  if (parseFields(message, type, innerFields, innerHex, false)) return;
  for (const [key, value] of Object.entries(innerFields)) {
    if (key in fields) continue;
    fields[key] = value;
    const encoded = innerHex[key];
    if (encoded !== undefined) hex[key] = encoded;
  }
}

function isStringField(type: string, key: string): boolean {
  return STRING_FIELDS.has(key) || (type === 'EXECVE' && EXECVE_ARG.test(key));
}

function reject(reason: string): RecordParse {
  return { ok: false, reason };
}

/** The bytes of a field as logged: its hex when it was hex-encoded, else its text. */
export function fieldBytes(record: AuditRecord, key: string): Buffer | undefined {
  const encoded = record.hex[key];
  if (encoded !== undefined) return Buffer.from(encoded, 'hex');
  const value = record.fields[key];
  return value === undefined ? undefined : Buffer.from(value, 'utf8');
}

/** A PROCTITLE value as argv: the kernel logs /proc/PID/cmdline, NUL-separated, at most 128 bytes. */
export function splitProctitle(proctitle: string): string[] {
  if (proctitle === '') return [];
  const argv = proctitle.split('\0');
  if (argv.length > 1 && argv[argv.length - 1] === '') argv.pop();
  return argv;
}

export type SocketAddress =
  | { family: 'inet'; address: string; port: number }
  | { family: 'inet6'; address: string; port: number }
  /** `@name` for an abstract socket (trailing NULs dropped), '' for an unnamed one. */
  | { family: 'unix'; path: string }
  | { family: 'other'; number: number };

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;

/** Decodes a SOCKADDR record's `saddr` (the raw sockaddr, hex); undefined when too short to read. */
export function decodeSaddr(saddr: string): SocketAddress | undefined {
  if (!HEX_PATTERN.test(saddr)) return undefined;
  const bytes = Buffer.from(saddr, 'hex');
  if (bytes.length < 2) return undefined;
  // sa_family_t is in host order, little-endian on x86_64 and aarch64; ports are network order.
  const family = bytes.readUInt16LE(0);
  switch (family) {
    case AF_INET:
      if (bytes.length < 8) return undefined;
      return { family: 'inet', address: bytes.subarray(4, 8).join('.'), port: bytes.readUInt16BE(2) };
    case AF_INET6:
      if (bytes.length < 24) return undefined;
      return { family: 'inet6', address: formatIpv6(bytes.subarray(8, 24)), port: bytes.readUInt16BE(2) };
    case AF_UNIX:
      return { family: 'unix', path: unixPath(bytes.subarray(2)) };
    default:
      return { family: 'other', number: family };
  }
}

function unixPath(name: Buffer): string {
  if (name.length === 0) return '';
  if (name[0] === 0) {
    let end = name.length;
    while (end > 1 && name[end - 1] === 0) end--;
    return `@${name.subarray(1, end).toString('utf8')}`;
  }
  const nul = name.indexOf(0);
  return name.subarray(0, nul < 0 ? name.length : nul).toString('utf8');
}

/** RFC 5952 text: lowercase, the longest run of zero groups as `::`, IPv4-mapped as dotted quad. */
function formatIpv6(address: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, k) => address.readUInt16BE(k * 2));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${address.subarray(12, 16).join('.')}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let k = 0; k < 8; ) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let run = k;
    while (run < 8 && groups[run] === 0) run++;
    if (run - k > bestLength) {
      bestStart = k;
      bestLength = run - k;
    }
    k = run;
  }
  const text = groups.map((g) => g.toString(16));
  if (bestStart < 0) return text.join(':');
  return `${text.slice(0, bestStart).join(':')}::${text.slice(bestStart + bestLength).join(':')}`;
}
