// What every live source is to the rest of vigil: something that starts emitting events
// (without sequence numbers: the session assigns them) and can be stopped.
import type { UnsequencedEvent } from '../engine/events.js';

export type Emit = (event: UnsequencedEvent) => void;

export interface Source {
  readonly name: string;
  start(emit: Emit): void;
  stop(): Promise<void>;
}

export function isoNow(): string {
  return new Date().toISOString();
}
