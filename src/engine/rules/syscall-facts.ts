// Reading audited syscalls: results in words, the files they named, and the arguments the
// kernel logs as hex.
import type { AuditPath } from '../events.js';
import { absolutePath } from '../state/mounts.js';

/** The files an audited call named (not their parent directories), made absolute. */
export function namedPaths(d: { paths: readonly AuditPath[]; cwd: string }): string[] {
  return d.paths.filter((p) => p.name !== '' && p.nametype !== 'PARENT').map((p) => absolutePath(d.cwd, p.name));
}

const errnoNames: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  3: 'ESRCH',
  4: 'EINTR',
  9: 'EBADF',
  13: 'EACCES',
  14: 'EFAULT',
  16: 'EBUSY',
  17: 'EEXIST',
  19: 'ENODEV',
  20: 'ENOTDIR',
  21: 'EISDIR',
  22: 'EINVAL',
  26: 'ETXTBSY',
  30: 'EROFS',
  38: 'ENOSYS',
  95: 'EOPNOTSUPP',
};

/** `succeeded`, or `failed with EPERM` from the syscall's exit value. */
export function outcome(success: boolean, exit: number): string {
  if (success) return 'succeeded';
  return `failed with ${errnoNames[-exit] ?? `errno ${-exit}`}`;
}

/** An argument register as logged (hex, no 0x); NaN when absent or malformed. */
export function argValue(args: readonly string[], index: number): number {
  const hex = args[index];
  return hex !== undefined && /^[0-9a-f]{1,16}$/i.test(hex) ? Number.parseInt(hex, 16) : Number.NaN;
}

/** The open(2) flags argument of an open-family syscall, by syscall. */
export function openFlags(syscall: string, args: readonly string[]): number {
  if (syscall === 'open' || syscall === 'creat') return syscall === 'creat' ? 0o1101 : argValue(args, 1);
  if (syscall === 'openat') return argValue(args, 2);
  return Number.NaN; // openat2 passes its flags in a struct the audit record does not show
}

const O_WRONLY = 0o1;
const O_RDWR = 0o2;

/** Whether an open-family syscall opened for writing (unknown flags count as writing). */
export function opensForWrite(syscall: string, args: readonly string[]): boolean {
  const flags = openFlags(syscall, args);
  return Number.isNaN(flags) || (flags & (O_WRONLY | O_RDWR)) !== 0;
}

export const openSyscalls = new Set(['open', 'openat', 'openat2', 'creat']);

/** The mode argument of a chmod-family syscall. */
export function chmodMode(syscall: string, args: readonly string[]): number {
  if (syscall === 'chmod' || syscall === 'fchmod') return argValue(args, 1);
  if (syscall === 'fchmodat' || syscall === 'fchmodat2') return argValue(args, 2);
  return Number.NaN;
}
