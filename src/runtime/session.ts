// A session wires sources to the engine: it gives each event its sequence number, records it
// (before the engine sees it, so a recording holds everything the alerts came from), and runs
// responses the engine requests. Replay feeds recorded events through the same path.
import type { Alert } from '../engine/alert.js';
import { Engine } from '../engine/engine.js';
import type { UnsequencedEvent, VigilEvent } from '../engine/events.js';
import type { Profile } from '../engine/profile.js';
import type { ResponseRequest } from '../engine/rule.js';
import { catalogue } from '../engine/rules/index.js';
import { ContainerJoin, defaultContainerJoinOptions, type ContainerJoinOptions } from './container-join.js';
import { defaultIngestQueueOptions, IngestQueue, type IngestQueueOptions } from './ingest-queue.js';

export interface EventSink {
  write(event: VigilEvent): void;
}

export interface SessionOptions {
  profile: Profile;
  onAlert: (alert: Alert) => void;
  /** Where every event goes before the engine (a recording). */
  recorder?: EventSink;
  /** Live only: carries out enforcement. Replay never acts on the host. */
  onResponse?: (request: ResponseRequest) => void;
  /** Sees every event after the engine (the workbench's status line and event window). */
  onEvent?: (event: VigilEvent) => void;
  /** How live events wait for the engine under load (tests shrink it). */
  queue?: IngestQueueOptions;
  /** How long live events wait for their container's snapshot (tests shrink it). */
  join?: ContainerJoinOptions;
}

export class Session {
  readonly engine: Engine;
  private seq = 0;
  private recorder: EventSink | undefined;
  private readonly queue: IngestQueue;
  private readonly join: ContainerJoin;

  constructor(private readonly options: SessionOptions) {
    this.recorder = options.recorder;
    this.queue = new IngestQueue(
      (event) => this.process({ seq: ++this.seq, ts: event.ts, source: event.source, kind: event.kind, data: event.data } as VigilEvent),
      options.queue ?? defaultIngestQueueOptions,
    );
    this.join = new ContainerJoin(this.queue.push, options.join ?? defaultContainerJoinOptions);
    this.engine = new Engine(catalogue, options.profile, {
      alert: options.onAlert,
      ...(options.onResponse && { response: options.onResponse }),
    });
  }

  /**
   * A live event: numbered in the order the engine takes it, which is arrival order, except that
   * a container's events may wait a moment for its snapshot (see ContainerJoin).
   */
  readonly ingest = (event: UnsequencedEvent): void => this.join.push(event);

  /** Live events not yet given to the engine. */
  get waiting(): number {
    return this.join.held + this.queue.waiting;
  }

  /** Gives the engine every live event still waiting (before the recording is closed). */
  flush(): void {
    this.join.flush();
    this.queue.flush();
  }

  /** Starts or stops recording from the next event (the workbench's `R`). */
  setRecorder(recorder: EventSink | undefined): void {
    this.recorder = recorder;
  }

  /** A recorded event: keeps its own number, so replayed alerts cite the recording's lines. */
  replay(event: VigilEvent): void {
    this.seq = Math.max(this.seq, event.seq);
    this.process(event);
  }

  private process(event: VigilEvent): void {
    this.recorder?.write(event);
    this.engine.process(event);
    this.options.onEvent?.(event);
  }
}
