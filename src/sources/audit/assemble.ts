// Groups audit records into events. The records of one event share (node, timestamp, serial)
// and, for a syscall, come out of the kernel as SYSCALL, auxiliary records, CWD, PATHs and
// PROCTITLE last. auditd does not write the kernel's EOE records to its log, so an event ends:
//   - at PROCTITLE, or at EOE when a stream has them (as auparse decides);
//   - at once for records user space sends (PAM, sshd, auditd's own DAEMON_*): the kernel logs
//     those without a syscall context, so nothing else ever shares their serial;
//   - otherwise (CONFIG_CHANGE, LOGIN, AVC … logged outside an audited syscall) after a timeout:
//     in log time when a later record arrives, in wall time through expire(), for idle streams;
//   - or when too much is pending, oldest first (counted as evicted): memory stays bounded.
// Records of different events may interleave (several CPUs log at once); that is fine.
import { decodeSaddr, fieldBytes, parseRecord, splitProctitle, type AuditRecord, type SocketAddress } from './record.js';

export interface AuditEvent {
  node?: string;
  serial: number;
  time: number;
  timestamp: string;
  records: AuditRecord[];
}

export interface AssemblerOptions {
  onEvent: (event: AuditEvent) => void;
  /** A rejected line, with why; it is counted either way. */
  onMalformed?: (reason: string, line: string) => void;
  /** auditd's own end_of_event_timeout default. */
  timeoutMs?: number;
  maxPendingEvents?: number;
  maxPendingRecords?: number;
  /** Wall clock for expire(); tests inject one. */
  now?: () => number;
}

export interface AssemblerStats {
  records: number;
  events: number;
  malformed: number;
  evicted: number;
}

interface Pending {
  event: AuditEvent;
  arrivedAt: number;
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_MAX_PENDING_EVENTS = 1000;
const DEFAULT_MAX_PENDING_RECORDS = 10_000;

/**
 * Record types user space sends through netlink (libaudit's 1005, 1100–1299 and 2100–2999), plus
 * the kernel's boot-time KERNEL record and netfilter's per-packet record, both logged outside
 * any task: each is an event by itself.
 */
const STANDALONE_NAMES = [
  'USER', 'KERNEL', 'NETFILTER_PKT', 'DAC_CHECK', 'TEST', 'TRUSTED_APP', 'MAC_CHECK', 'SOFTWARE_UPDATE', 'FS_RELABEL',
  'USYS_CONFIG',
];
/** `USER_LOGIN`, `CRED_ACQ`, `DAEMON_ROTATE` … */
const STANDALONE_FAMILIES = [
  'USER', 'CRED', 'DAEMON', 'ACCT', 'GRP', 'SERVICE', 'SYSTEM', 'ADD', 'DEL', 'CHGRP', 'CHUSER', 'RESP', 'ROLE', 'LABEL',
  'CRYPTO', 'VIRT', 'DEV',
];
/** User-space anomaly reports; the kernel's ANOM_ABEND, ANOM_LINK … belong to a syscall. */
const USER_ANOMALIES = [
  'LOGIN', 'MAX', 'AMTU', 'RBAC', 'CRYPTO', 'ACCESS', 'EXEC', 'MK_EXEC', 'ADD', 'DEL', 'MOD', 'ROOT', 'ORIGIN', 'SESSION',
];
const STANDALONE_TYPE = new RegExp(
  `^(${STANDALONE_NAMES.join('|')}` +
    `|(${STANDALONE_FAMILIES.join('|')})_[A-Z0-9_]+` +
    `|ANOM_(${USER_ANOMALIES.join('|')})[A-Z0-9_]*)$`,
);

export class AuditAssembler {
  readonly stats: AssemblerStats = { records: 0, events: 0, malformed: 0, evicted: 0 };
  private readonly pending = new Map<string, Pending>();
  private pendingRecords = 0;
  private readonly timeoutMs: number;
  private readonly maxPendingEvents: number;
  private readonly maxPendingRecords: number;
  private readonly now: () => number;

  constructor(private readonly options: AssemblerOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxPendingEvents = options.maxPendingEvents ?? DEFAULT_MAX_PENDING_EVENTS;
    this.maxPendingRecords = options.maxPendingRecords ?? DEFAULT_MAX_PENDING_RECORDS;
    this.now = options.now ?? Date.now;
  }

  push(line: string): void {
    const parsed = parseRecord(line);
    if (!parsed.ok) {
      this.stats.malformed++;
      this.options.onMalformed?.(parsed.reason, line);
      return;
    }
    const record = parsed.record;
    this.stats.records++;
    this.completeOlderThan((event) => event.time + this.timeoutMs <= record.time);
    const key = `${record.node ?? ''}|${record.timestamp}:${record.serial}`;
    if (record.type === 'EOE') {
      this.complete(key);
      return;
    }
    let entry = this.pending.get(key);
    if (!entry) {
      const event: AuditEvent = { serial: record.serial, time: record.time, timestamp: record.timestamp, records: [] };
      if (record.node !== undefined) event.node = record.node;
      entry = { event, arrivedAt: this.now() };
      this.pending.set(key, entry);
    }
    entry.event.records.push(record);
    this.pendingRecords++;
    if (record.type === 'PROCTITLE' || STANDALONE_TYPE.test(record.type)) {
      this.complete(key);
      return;
    }
    while (this.pending.size > this.maxPendingEvents || this.pendingRecords > this.maxPendingRecords) {
      const oldest = this.pending.keys().next().value;
      if (oldest === undefined) break;
      this.stats.evicted++;
      this.complete(oldest);
    }
  }

  /** Emits the events that have waited timeoutMs of wall time: call it while the log is quiet. */
  expire(): void {
    const now = this.now();
    this.completeOlderThan((_event, arrivedAt) => arrivedAt + this.timeoutMs <= now);
  }

  /** Emits everything pending, oldest first: the end of an offline file. */
  flush(): void {
    for (const key of [...this.pending.keys()]) this.complete(key);
  }

  /**
   * Pending events are kept in arrival order, close to time order, so the scan stops at the
   * first one still waiting: constant work per record, at worst a late completion.
   */
  private completeOlderThan(expired: (event: AuditEvent, arrivedAt: number) => boolean): void {
    for (const [key, entry] of this.pending) {
      if (!expired(entry.event, entry.arrivedAt)) return;
      this.complete(key);
    }
  }

  private complete(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    this.pendingRecords -= entry.event.records.length;
    this.stats.events++;
    this.options.onEvent(entry.event);
  }
}

export function findRecord(event: AuditEvent, type: string): AuditRecord | undefined {
  return event.records.find((r) => r.type === type);
}

export function syscallRecord(event: AuditEvent): AuditRecord | undefined {
  return findRecord(event, 'SYSCALL');
}

/**
 * The argv of an execve, from its EXECVE records: `argc=N a0=… a1=…`, continued over more
 * records for long command lines; an argument too long for one record is logged as
 * `aN_len=… aN[0]=… aN[1]=…`, hex chunks cut at arbitrary bytes, so the chunks are joined as
 * bytes before decoding. Stops at the first argument missing from the log (argv is then
 * shorter than argc).
 */
export function execveArgv(event: AuditEvent): string[] | undefined {
  const execve = event.records.filter((r) => r.type === 'EXECVE');
  if (execve.length === 0) return undefined;
  const holder = new Map<string, AuditRecord>();
  for (const record of execve) {
    for (const key of Object.keys(record.fields)) if (!holder.has(key)) holder.set(key, record);
  }
  const argv: string[] = [];
  for (let i = 0; ; i++) {
    const whole = holder.get(`a${i}`);
    if (whole) {
      argv.push(whole.fields[`a${i}`] ?? '');
      continue;
    }
    if (!holder.has(`a${i}_len`)) break;
    const chunks: Buffer[] = [];
    for (let j = 0; ; j++) {
      const key = `a${i}[${j}]`;
      const record = holder.get(key);
      const bytes = record && fieldBytes(record, key);
      if (!bytes) break;
      chunks.push(bytes);
    }
    argv.push(Buffer.concat(chunks).toString('utf8'));
  }
  return argv;
}

/** PATH records by their `item` number, in item order. */
export function pathsByItem(event: AuditEvent): Map<number, AuditRecord> {
  const items = new Map<number, AuditRecord>();
  for (const record of event.records) {
    if (record.type !== 'PATH') continue;
    const item = Number(record.fields.item);
    if (Number.isInteger(item) && !items.has(item)) items.set(item, record);
  }
  return new Map([...items].sort(([a], [b]) => a - b));
}

export function eventCwd(event: AuditEvent): string | undefined {
  return findRecord(event, 'CWD')?.fields.cwd;
}

/**
 * The process's argv from PROCTITLE. The kernel truncates it to 128 bytes and reads it once
 * per task: after an execve it can still show the previous program (a shell that redirected
 * output first), so prefer execveArgv for execs.
 */
export function proctitleArgv(event: AuditEvent): string[] | undefined {
  const proctitle = findRecord(event, 'PROCTITLE')?.fields.proctitle;
  return proctitle === undefined ? undefined : splitProctitle(proctitle);
}

export function eventSockaddr(event: AuditEvent): SocketAddress | undefined {
  const saddr = findRecord(event, 'SOCKADDR')?.fields.saddr;
  return saddr === undefined ? undefined : decodeSaddr(saddr);
}
