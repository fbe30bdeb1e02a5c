// Everything the drill-down shows about one alert, gathered from the engine's state tables and
// the event window: the container (mounts, options), the process tree, the raw events.
import type { Alert } from '../../engine/alert.js';
import type { Engine } from '../../engine/engine.js';
import type { ContainerSnapshot, VigilEvent } from '../../engine/events.js';
import type { ProcessEntry } from '../../engine/state/processes.js';
import type { EventWindow } from './event-window.js';

export interface ProcessNode {
  pid: number;
  ppid: number;
  uid: number;
  euid: number;
  exe: string;
  cmdline: string[];
  startTime: number;
  containerId: string | undefined;
  exited: boolean;
  /** The alert's own process. */
  offender: boolean;
  /** Indentation: the oldest known ancestor is 0. */
  depth: number;
}

export interface AlertContext {
  alert: Alert;
  container: ContainerSnapshot | undefined;
  /** Ancestry (oldest first), the offender, then its children in pid order; empty if unknown. */
  processTree: ProcessNode[];
  events: VigilEvent[];
  /** Sequence numbers of the alert's events no longer held in memory. */
  missingEvents: number[];
}

function node(entry: ProcessEntry, depth: number, offender: boolean): ProcessNode {
  const { pid, ppid, uid, euid, exe, cmdline, startTime, containerId } = entry.info;
  return { pid, ppid, uid, euid, exe, cmdline, startTime, containerId, exited: entry.exited, offender, depth };
}

/** The offending process with its ancestors up to the container's init (or the host) and children. */
export function processTreeOf(alert: Alert, engine: Engine): ProcessNode[] {
  const pid = alert.process?.pid;
  if (pid === undefined) return [];
  const startTime = (alert.evidence.process as { startTime?: number } | undefined)?.startTime;
  const offender = startTime !== undefined ? engine.processes.of({ pid, startTime }) : engine.processes.byPid(pid);
  if (!offender) return [];
  const chain = engine.processes.ancestry(offender).reverse();
  // Up to the container's init: ancestors outside the container (the shim, runc) stay, once.
  const inContainer = chain.findIndex((e) => e.info.containerId !== undefined);
  const shown = inContainer > 0 ? chain.slice(inContainer - 1) : chain;
  const tree = shown.map((e, i) => node(e, i, e === offender));
  const depth = shown.length;
  for (const child of engine.processes.children(offender)) tree.push(node(child, depth, false));
  return tree;
}

export function alertContext(alert: Alert, engine: Engine, window: EventWindow): AlertContext {
  const events: VigilEvent[] = [];
  const missingEvents: number[] = [];
  for (const seq of alert.events) {
    const event = window.get(seq);
    if (event) events.push(event);
    else missingEvents.push(seq);
  }
  return {
    alert,
    container: alert.container ? engine.containers.get(alert.container.id)?.snapshot : undefined,
    processTree: processTreeOf(alert, engine),
    events,
    missingEvents,
  };
}
