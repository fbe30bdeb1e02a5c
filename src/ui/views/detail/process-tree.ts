// Process tree tab: the offender's ancestry, the offender, its children, as `ps --forest` lays
// them out: fixed columns first, then the tree and the command.
import type { AlertContext, ProcessNode } from '../../model/alert-context.js';
import { processCommand, userLabel } from './format.js';
import type { Line } from './lines.js';

/** What turns a start time (clock ticks after boot) into a date; only a live host knows it. */
export interface BootClock {
  bootTimeMs: number;
  ticksPerSecond: number;
}

/** USER_HZ on every mainstream Linux build: the unit of start times when no clock is given. */
const USER_HZ = 100;

function started(ticks: number, clock: BootClock | undefined): string {
  if (clock) return new Date(clock.bootTimeMs + (ticks / clock.ticksPerSecond) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const s = Math.floor(ticks / USER_HZ);
  const days = Math.floor(s / 86_400);
  const hms = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60].map((n) => String(n).padStart(2, '0')).join(':');
  return `boot+${days > 0 ? `${days}d` : ''}${hms}`;
}

/** Whether a later node is a sibling of node i (same depth, no shallower node in between). */
function hasLaterSibling(tree: readonly ProcessNode[], i: number): boolean {
  const depth = tree[i]!.depth;
  for (const node of tree.slice(i + 1)) {
    if (node.depth <= depth) return node.depth === depth;
  }
  return false;
}

/** The tree glyphs before node i: a bar for each open ancestor level, then the branch. */
function branch(tree: readonly ProcessNode[], i: number): string {
  const depth = tree[i]!.depth;
  if (depth === 0) return '';
  let prefix = '';
  for (let level = 1; level < depth; level++) {
    const ancestor = tree.slice(0, i).findLastIndex((n) => n.depth === level);
    prefix += ancestor >= 0 && hasLaterSibling(tree, ancestor) ? '│  ' : '   ';
  }
  return `${prefix}${hasLaterSibling(tree, i) ? '├─ ' : '└─ '}`;
}

export function processTreeLines(context: AlertContext, { clock }: { clock?: BootClock } = {}): Line[] {
  const tree = context.processTree;
  const process = context.alert.process;
  if (tree.length === 0) {
    const why = process
      ? `process ${process.pid} is no longer in vigil's process table`
      : "this alert is about the container's configuration, not a process";
    return [{ text: why, dim: true }];
  }
  const lines: Line[] = [{ text: `  ${'PID'.padStart(7)}  ${'USER'.padEnd(11)}${'STARTED'.padEnd(22)}COMMAND`, dim: true }];
  tree.forEach((node, i) => {
    const user = userLabel(node.uid, node.euid).padEnd(11);
    const command = `${branch(tree, i)}${processCommand(node.exe, node.cmdline)}${node.exited ? '  (exited)' : ''}`;
    const text = `${node.offender ? '▶ ' : '  '}${String(node.pid).padStart(7)}  ${user}${started(node.startTime, clock).padEnd(22)}${command}`;
    lines.push(node.offender ? { text, color: 'red', bold: true } : { text, dim: node.exited });
  });
  return lines;
}
