// What every live source is to the rest of vigil: something that starts emitting events
// (without sequence numbers: the session assigns them) and can be stopped.
import type { SourceState, UnsequencedEvent } from '../engine/events.js';

export type Emit = (event: UnsequencedEvent) => void;

export interface Source {
  readonly name: string;
  start(emit: Emit): void;
  stop(): Promise<void>;
}

export function isoNow(): string {
  return new Date().toISOString();
}

/** A source's state for the status line and the health rule; `reason` says why it is not plainly up. */
export function sourceStatus(source: string, state: SourceState, reason?: string): UnsequencedEvent {
  return { ts: isoNow(), source: 'vigil', kind: 'source.status', data: { source, state, ...(reason !== undefined && { reason }) } };
}
