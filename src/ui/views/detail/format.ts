// Small formatters the detail tabs share. They build raw text: <Lines> makes it terminal-safe.
import type { Severity } from '../../../engine/alert.js';
import type { AlertContext } from '../../model/alert-context.js';

export const severityColor: Record<Severity, string> = { critical: 'red', high: 'red', medium: 'yellow', low: 'blue' };

function userName(id: number): string {
  return id === 0 ? 'root' : String(id);
}

/** `root`, `1000`, or `1000→root` when the effective user differs (a SUID program, setuid). */
export function userLabel(uid: number, euid: number): string {
  return uid === euid ? userName(uid) : `${userName(uid)}→${userName(euid)}`;
}

/** A word as a POSIX shell reads it back: commands the operator copies must not be re-split. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function commandLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** The executable, then the command line; the path once when argv[0] already names it. */
export function processCommand(exe: string, argv: readonly string[]): string {
  if (argv.length === 0) return exe || '?';
  return argv[0] === exe ? commandLine(argv) : `${exe || '?'}  ${commandLine(argv)}`;
}

/** Docker's short id: how commands name a container (its name is chosen by whoever created it). */
export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** `name (id)`, or the id alone when vigil never learnt the name (an offline audit log). */
export function containerLabel(container: { id: string; name: string }): string {
  return container.name ? `${container.name} (${shortId(container.id)})` : shortId(container.id);
}

/** Why a container tab has nothing to show (the context has no container snapshot). */
export function noContainerReason(context: AlertContext): string {
  const { container } = context.alert;
  if (!container) return 'this alert is not about a container';
  return `vigil holds no inspect snapshot of container ${containerLabel(container)}: removed long ago, or seen only in an audit log`;
}
