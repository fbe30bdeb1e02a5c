// The state file's problems as the status of a source named `state`: shown in the status line and
// raised as vigil health alerts, which stay in view in the workbench, where stderr is not.
import type { UnsequencedEvent } from '../engine/events.js';
import { sourceStatus } from '../sources/source.js';
import { openStateStore, type StateStore } from '../state/store.js';

type Ingest = (event: UnsequencedEvent) => void;

export class StateHealth {
  private ingest: Ingest | undefined;
  // Problems met before the session exists (opening the store comes first).
  private readonly pending: UnsequencedEvent[] = [];

  constructor(private readonly warn: ((line: string) => void) | undefined) {}

  /** Opens the store at `path`, reporting through this relay. */
  open(path: string): Promise<StateStore> {
    return openStateStore(path, {
      onWarning: (line, lasting) => {
        this.emit('degraded', line);
        // A corrupt file set aside is one event: the file works again at once.
        if (!lasting) this.emit('up');
      },
      onRecovered: (line) => this.emit('up', line),
    });
  }

  /** From now on, problems enter this session; those met before enter it now. */
  attach(ingest: Ingest): void {
    this.ingest = ingest;
    for (const event of this.pending.splice(0)) ingest(event);
  }

  private emit(state: 'up' | 'degraded', reason?: string): void {
    if (reason) this.warn?.(reason);
    const event = sourceStatus('state', state, reason);
    if (this.ingest) this.ingest(event);
    else this.pending.push(event);
  }
}
