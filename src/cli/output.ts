// Alert output for the headless modes: one JSON object per line (a contract), or one readable
// line per alert, coloured only on a terminal, with every untrusted string made inert.
import type { Alert, Severity } from '../engine/alert.js';
import { C1_AND_DIRECTION, terminalSafe } from '../text/terminal-safe.js';

const severityColour: Record<Severity, string> = {
  critical: '\x1b[1;97;41m',
  high: '\x1b[1;31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';

// JSON.stringify escapes C0 controls and lone surrogates but leaves these raw: DEL, C1 controls
// (0x9b is CSI to some terminals), bidi controls, and the line separators some readers split
// lines on. They can only occur inside strings, so escaping them keeps the same JSON value.
const RAW_IN_JSON = new RegExp(`[${C1_AND_DIRECTION}\\u2028\\u2029]`, 'g');

/** One alert as one line of JSON, every untrusted string in it exact and printable as it stands. */
export function alertJson(alert: Alert): string {
  return JSON.stringify(alert).replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function alertLine(alert: Alert, colour: boolean): string {
  const sev = alert.severity.toUpperCase().padEnd(8);
  const subject = alert.container
    ? `${terminalSafe(alert.container.name || alert.container.id.slice(0, 12), 128)} (${terminalSafe(alert.container.image, 256)})`
    : alert.pod
      ? `${terminalSafe(alert.pod.namespace, 128)}/${terminalSafe(alert.pod.name, 128)}`
      : '-';
  // The event's timestamp: from a recording, any string.
  const time = terminalSafe(alert.ts.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''), 64);
  const parts = [
    colour ? `${DIM}${time}${RESET}` : time,
    colour ? `${severityColour[alert.severity]}${sev}${RESET}` : sev,
    alert.ruleId,
    subject,
    terminalSafe(alert.summary),
  ];
  return parts.join('  ');
}

export function alertPrinter(json: boolean, out: Pick<NodeJS.WriteStream, 'write' | 'isTTY' | 'writableEnded' | 'destroyed'> = process.stdout): (alert: Alert) => void {
  const colour = !json && out.isTTY === true && !process.env.NO_COLOR;
  return (alert) => {
    if (out.writableEnded || out.destroyed) return; // the reader went away
    out.write(`${json ? alertJson(alert) : alertLine(alert, colour)}\n`);
  };
}
