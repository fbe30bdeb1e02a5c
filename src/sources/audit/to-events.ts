// Assembled audit events -> vigil events. Only events of vigil's own audit rules (keys
// `vigil_*`) are kept; everything a rule needs (argv, paths, the process and its container)
// goes into the event, so replay never needs the machine it was recorded on.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { AuditPath, UnsequencedEvent } from '../../engine/events.js';
import { eventCwd, eventSockaddr, execveArgv, pathsByItem, proctitleArgv, syscallRecord, type AuditEvent } from './assemble.js';
import type { Attribution } from './attribution.js';
import { syscallName } from './syscalls.js';

const KEY_PREFIX = 'vigil_';
/** Executables hashed for malware matching; larger ones are not read. */
const MAX_HASH_BYTES = 64 * 1024 * 1024;

export interface ConverterOptions {
  attribution: Attribution;
  /** Live: hash each container executable (once per file) through /proc/PID/exe. */
  hashExecutables: boolean;
  procRoot?: string;
}

const execSyscalls = new Set(['execve', 'execveat']);

function int(value: string | undefined): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** The vigil key of an event; a rule with several keys logs them joined by \x01. */
function vigilKey(key: string | undefined): string | undefined {
  return key?.split('\x01').find((k) => k.startsWith(KEY_PREFIX));
}

export class AuditConverter {
  private readonly hashes = new Map<string, string | undefined>();
  private readonly procRoot: string;

  constructor(private readonly options: ConverterOptions) {
    this.procRoot = options.procRoot ?? '/proc';
  }

  convert(event: AuditEvent): UnsequencedEvent | undefined {
    const sc = syscallRecord(event);
    const key = vigilKey(sc?.fields.key);
    if (!sc || key === undefined) return undefined;
    const f = sc.fields;
    const syscall = syscallName(f.arch ?? '', f.syscall ?? '') ?? `syscall_${f.syscall ?? '?'}`;
    const pid = int(f.pid);
    const ppid = int(f.ppid);
    const isExec = execSyscalls.has(syscall);
    const argv = isExec ? execveArgv(event) : undefined;
    if (argv && f.success === 'yes') this.options.attribution.noteExec(pid, argv);
    const who = this.options.attribution.resolve(pid, ppid, event.time);
    const exe = f.exe ?? '';
    const process = {
      pid,
      ppid,
      startTime: who.startTime,
      exe,
      // PROCTITLE can still name the program before an exec: argv comes from EXECVE when there is one.
      cmdline: argv ?? proctitleArgv(event) ?? [f.comm ?? exe],
      uid: int(f.uid),
      euid: int(f.euid),
      ...(who.containerId !== undefined && { containerId: who.containerId }),
      comm: f.comm ?? '',
      startTimeExact: who.startTimeExact,
    };
    const paths: AuditPath[] = [...pathsByItem(event)]
      .sort((a, b) => a[0] - b[0])
      .map(([, r]) => ({ name: r.fields.name ?? '', nametype: r.fields.nametype ?? '', mode: r.fields.mode ?? '', inode: r.fields.inode ?? '' }));
    const common = {
      serial: event.serial,
      key,
      success: f.success === 'yes',
      exit: Number.isSafeInteger(Number(f.exit)) ? Number(f.exit) : 0,
      process,
      cwd: eventCwd(event) ?? '',
      paths,
    };
    const ts = new Date(event.time).toISOString();
    if (isExec) {
      const exeSha256 = who.containerId !== undefined && who.startTimeExact && common.success ? this.hashOf(pid, event) : undefined;
      return { ts, source: 'audit', kind: 'exec', data: { ...common, ...(exeSha256 !== undefined && { exeSha256 }) } };
    }
    const addr = eventSockaddr(event);
    const sockaddr =
      addr === undefined
        ? undefined
        : addr.family === 'inet' || addr.family === 'inet6'
          ? { family: addr.family, address: addr.address, port: addr.port }
          : addr.family === 'unix'
            ? { family: 'unix', address: addr.path, port: 0 }
            : undefined;
    return {
      ts,
      source: 'audit',
      kind: 'syscall',
      data: { ...common, syscall, args: [f.a0 ?? '', f.a1 ?? '', f.a2 ?? '', f.a3 ?? ''], ...(sockaddr && { sockaddr }) },
    };
  }

  /** sha256 of the executable the exec loaded, read once per file (device + inode). */
  private hashOf(pid: number, event: AuditEvent): string | undefined {
    if (!this.options.hashExecutables) return undefined;
    const binary = pathsByItem(event).get(0)?.fields;
    const id = binary ? `${binary.dev ?? ''}:${binary.inode ?? ''}` : undefined;
    if (id !== undefined && this.hashes.has(id)) return this.hashes.get(id);
    const hash = hashFile(`${this.procRoot}/${pid}/exe`, binary?.inode);
    if (id !== undefined && hash !== undefined) this.hashes.set(id, hash);
    return hash;
  }
}

/** Hashes the file, unless it is not the inode the exec loaded (the pid exec'd again since). */
function hashFile(path: string, inode: string | undefined): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined; // gone
  }
  try {
    const stat = fstatSync(fd);
    if (stat.size > MAX_HASH_BYTES || (inode !== undefined && String(stat.ino) !== inode)) return undefined;
    const hash = createHash('sha256');
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (let n; (n = readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n));
    return hash.digest('hex');
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
