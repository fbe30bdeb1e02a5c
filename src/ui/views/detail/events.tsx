// Events tab: the raw source events behind the alert, as pretty JSON, and the ones the event
// window no longer holds. JSON escapes C0 controls in strings; <Lines> escapes the rest (C1, bidi).
import type { AlertContext } from '../../model/alert-context.js';
import type { Line } from './lines.js';

export function eventLines(context: AlertContext): Line[] {
  const lines: Line[] = context.missingEvents.map((seq) => ({ text: `event #${seq} is no longer in memory`, color: 'yellow' }));
  for (const event of context.events) {
    if (lines.length > 0) lines.push({ text: '' });
    lines.push({ text: `#${event.seq}  ${event.ts}  ${event.source}/${event.kind}`, bold: true });
    lines.push(...JSON.stringify(event.data, null, 2).split('\n').map((text) => ({ text })));
  }
  return lines.length > 0 ? lines : [{ text: 'this alert names no source events', dim: true }];
}
