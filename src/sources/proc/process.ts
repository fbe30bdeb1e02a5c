// One process's identity, read from /proc. Every read is a few small files, done synchronously:
// /proc answers from memory, and a sync read costs far less than a thread-pool round trip when
// it runs every second over every container process. Processes exit while we look all the
// time; that is an answer (undefined), never an error.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export const DEFAULT_PROC_ROOT = '/proc';

export interface ProcessDetails {
  pid: number;
  ppid: number;
  /** Field 22 of stat: clock ticks after boot. With the pid it names one process across pid reuse. */
  startTime: number;
  /** Stat's one-letter state (R, S, D, Z, …): a zombie (Z) has no exe, cmdline or net left. */
  state: string;
  /** The kernel's short name (at most 15 bytes), which the process may set to anything. */
  comm: string;
  /** The executable's path; '' when unreadable (kernel threads, zombies, or not ours without root). */
  exe: string;
  /** The executable was deleted after exec: a classic trait of dropped malware. */
  exeDeleted: boolean;
  cmdline: string[];
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  /** The pid in the process's own (innermost) pid namespace: what `ps` shows inside a container. */
  nsPid?: number;
}

/**
 * True for the errors a vanished process gives: ENOENT when its /proc directory is gone before
 * the open, ESRCH when it exits between the open and the read.
 */
export function isGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/**
 * True for a process we may not inspect: other users' without root, and even as root one that
 * ptrace rules protect (pid 1 on this kind of host: its fd links and exe say EACCES).
 */
export function isDenied(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

/** Runs a read of a process's /proc files, turning "the process is gone" into undefined. */
export function whileAlive<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/** Every process (thread-group leader) /proc lists now, in pid order. */
export function listPids(procRoot = DEFAULT_PROC_ROOT): number[] {
  return readdirSync(procRoot)
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

export function readProcess(pid: number, procRoot = DEFAULT_PROC_ROOT): ProcessDetails | undefined {
  const dir = `${procRoot}/${pid}`;
  return whileAlive(() => {
    const stat = parseStat(readFileSync(`${dir}/stat`, 'utf8'), pid);
    const status = parseStatus(readFileSync(`${dir}/status`, 'utf8'), pid);
    const cmdline = parseCmdline(readFileSync(`${dir}/cmdline`));
    const { exe, exeDeleted } = readExe(dir);
    return { pid, ...stat, exe, exeDeleted, cmdline, ...status };
  });
}

/** The command line alone; undefined when the process is gone. */
export function readCmdline(pid: number, procRoot = DEFAULT_PROC_ROOT): string[] | undefined {
  return whileAlive(() => parseCmdline(readFileSync(`${procRoot}/${pid}/cmdline`)));
}

/** Only the start time (and parent): what audit attribution needs per event, cheaply. */
export function readStat(pid: number, procRoot = DEFAULT_PROC_ROOT): Pick<ProcessDetails, 'ppid' | 'startTime' | 'state' | 'comm'> | undefined {
  return whileAlive(() => parseStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'), pid));
}

/**
 * The stat line. comm sits between the first '(' and the LAST ')', and may itself hold spaces,
 * parentheses and even newlines, so it is cut out before the rest is split on spaces.
 */
function parseStat(text: string, pid: number): Pick<ProcessDetails, 'ppid' | 'startTime' | 'state' | 'comm'> {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`/proc/${pid}/stat: no (comm) in ${JSON.stringify(text.slice(0, 80))}`);
  // fields[0] is field 3 of proc(5), so field N is fields[N - 3].
  const fields = text.slice(close + 2).split(' ');
  return {
    comm: text.slice(open + 1, close),
    state: fields[0] ?? '',
    ppid: integer(fields[1], `/proc/${pid}/stat ppid`),
    startTime: integer(fields[19], `/proc/${pid}/stat starttime`),
  };
}

/** The Uid:, Gid: and NSpid: lines of status (real and effective ids; the innermost ns pid). */
function parseStatus(text: string, pid: number): Pick<ProcessDetails, 'uid' | 'euid' | 'gid' | 'egid' | 'nsPid'> {
  const ids = new Map<string, number[]>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    const key = line.slice(0, colon);
    if (key !== 'Uid' && key !== 'Gid' && key !== 'NSpid') continue;
    const values = line.slice(colon + 1).trim().split(/\s+/);
    ids.set(key, values.map((v) => integer(v, `/proc/${pid}/status ${key}`)));
  }
  const [uid, euid] = ids.get('Uid') ?? [];
  const [gid, egid] = ids.get('Gid') ?? [];
  if (uid === undefined || euid === undefined || gid === undefined || egid === undefined) {
    throw new Error(`/proc/${pid}/status: missing Uid: or Gid: line`);
  }
  // NSpid lists the pid from the outermost namespace inwards; kernels before 4.1 lack the line.
  const nsPid = ids.get('NSpid')?.at(-1);
  return nsPid === undefined ? { uid, euid, gid, egid } : { uid, euid, gid, egid, nsPid };
}

/** argv as the kernel keeps it: NUL-separated, NUL-terminated; empty for kernel threads and zombies. */
function parseCmdline(raw: Buffer): string[] {
  if (raw.length === 0) return [];
  const text = raw.toString('utf8');
  return (text.endsWith('\0') ? text.slice(0, -1) : text).split('\0');
}

const DELETED = ' (deleted)';

function readExe(dir: string): { exe: string; exeDeleted: boolean } {
  let target: string;
  try {
    target = readlinkSync(`${dir}/exe`);
  } catch (error) {
    // Kernel threads and zombies have no exe (ENOENT).
    if (isGone(error) || isDenied(error)) return { exe: '', exeDeleted: false };
    throw error;
  }
  return target.endsWith(DELETED) ? { exe: target.slice(0, -DELETED.length), exeDeleted: true } : { exe: target, exeDeleted: false };
}

/** Boot time (ms since the epoch) from /proc/stat `btime`: start ticks are counted from it. */
export function bootTimeMs(procRoot = DEFAULT_PROC_ROOT): number {
  const match = /^btime (\d+)$/m.exec(readFileSync(`${procRoot}/stat`, 'utf8'));
  if (!match?.[1]) throw new Error(`${procRoot}/stat: no btime line`);
  return Number(match[1]) * 1000;
}

/** The fallback when getconf is missing: USER_HZ is 100 on every mainstream Linux build. */
const USER_HZ = 100;
let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of startTime; asks `getconf CLK_TCK` once, on first use. */
export function clockTicksPerSecond(): number {
  ticksPerSecond ??= askGetconf();
  return ticksPerSecond;
}

function askGetconf(): number {
  try {
    const out = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5_000 });
    const ticks = Number(out.trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : USER_HZ;
  } catch {
    return USER_HZ;
  }
}

function integer(text: string | undefined, what: string): number {
  const value = Number(text);
  if (text === undefined || text === '' || !Number.isInteger(value)) throw new Error(`${what}: not an integer: ${JSON.stringify(text)}`);
  return value;
}
