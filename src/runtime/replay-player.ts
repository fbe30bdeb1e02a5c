// The replay controller behind the workbench's replay keys: plays a recording through a fresh
// Session at a chosen pace, with pause, single steps, speed changes, and jumps to the start,
// the end and between alerts. Replay only reads the recording: the session has no recorder
// and no response handler, so nothing reaches Docker, audit or the network.
//
// One driver loop owns the recording, the session and the playhead; the control methods only
// change what the loop is asked to do and wake it. That keeps every reset, seek and step
// ordered with the events, whatever keys arrive while a file read or a timer is pending.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Alert } from '../engine/alert.js';
import type { VigilEvent } from '../engine/events.js';
import type { Profile } from '../engine/profile.js';
import { isGzipPath } from '../recording/format.js';
import { readRecording, type RecordingProblem } from '../recording/reader.js';
import { Session } from './session.js';

export const replaySpeeds = [0.5, 1, 2, 4, 8, 16, 32, 64, 'max'] as const;
export type ReplaySpeed = (typeof replaySpeeds)[number];

/** The clock and timers pacing uses; tests pass a manual one. */
export interface ReplayTimers {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ReplayPlayerOptions {
  file: string;
  profile: Profile;
  onAlert: (alert: Alert) => void;
  /** Every event, just before the engine sees it (so an alert's events are already known when it arrives). */
  onEvent?: (event: VigilEvent) => void;
  /** The replay went back to the beginning: alerts and events shown so far are void. */
  onReset?: () => void;
  /** A new session is open, before the first event (at the start and after every reset). */
  onOpen?: (session: Session) => void;
  /** A damaged line, reported once even when a seek reads it again. */
  onProblem?: (problem: RecordingProblem) => void;
  timers?: ReplayTimers;
}

export interface ReplayState {
  /** Events played since the beginning. */
  position: number;
  /** Events in the recording: estimated from its line count, exact once the end is reached. */
  total: number | undefined;
  /** Sequence number of the last event played. */
  seq: number | undefined;
  /** Recorded time of the last event played (the recording's start time before the first). */
  ts: string | undefined;
  speed: ReplaySpeed;
  paused: boolean;
  /** Running a jump (start, end, next or previous alert) at full speed. */
  seeking: boolean;
  ended: boolean;
  /** Why the replay stopped early: the recording could not be read on. */
  error: string | undefined;
  problems: { corrupt: number; unknownKinds: number; truncated: boolean };
}

/** Where a jump stops: at a playhead position, after `count` more alert-raising events, or at the end. */
type SeekTarget = { kind: 'position'; position: number } | { kind: 'alert'; after: number; count: number } | { kind: 'end' };

// Even at full speed the UI must get turns (keys, rendering): the loop yields to the event loop this often.
const YIELD_EVERY = 2000;
// Long pauses in a recording are slept in slices: Node turns a delay beyond 2^31-1 ms into 1 ms.
const MAX_SLEEP_MS = 3_600_000;

const realTimers: ReplayTimers = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class ReplayPlayer {
  private readonly options: ReplayPlayerOptions;
  private readonly timers: ReplayTimers;
  private current: Session | undefined;
  private events: AsyncIterator<VigilEvent> | undefined;
  /** Read from the recording, waiting for its time to come. */
  private pending: VigilEvent | undefined;
  private driver: Promise<void> | undefined;
  private started = false;
  private stopped = false;
  private resetPending = false;

  private position = 0;
  private total: number | undefined;
  private seq: number | undefined;
  private ts: string | undefined;
  private speedIndex = replaySpeeds.indexOf(1);
  private paused = false;
  private ended = false;
  private error: string | undefined;
  private target: SeekTarget | undefined;
  /** Single steps requested and not yet played. */
  private steps = 0;
  private sinceYield = 0;

  /** Positions after each event that raised alerts, ascending. Replay is deterministic, so they hold across resets. */
  private readonly alertMarks: number[] = [];
  private raisedHere = false;
  private readonly problems = { corrupt: 0, unknownKinds: 0, truncated: false };
  /** Problems up to this line were reported by an earlier pass. */
  private reportedLine = 0;

  // The recorded-time clock: at wall time clockWall the playhead was at recorded time clockMs,
  // and it advances at the speed while playing normally. Undefined until the first event.
  private clockMs: number | undefined;
  private clockWall = 0;

  private wakeUp: (() => void) | undefined;
  private readonly counting = new AbortController();
  private readonly listeners = new Set<() => void>();
  private notifyQueued = false;
  private snapshot: ReplayState | undefined;

  constructor(options: ReplayPlayerOptions) {
    this.options = options;
    this.timers = options.timers ?? realTimers;
  }

  /** The session being replayed into (its engine holds the drill-down's state); a new one on every reset. */
  get session(): Session {
    if (!this.current) throw new Error('replay not started');
    return this.current;
  }

  /** Opens the recording and starts playing (unless paused before); rejects with a one-line message if it cannot be read. */
  async start(): Promise<void> {
    if (this.started) throw new Error('replay already started');
    this.started = true;
    this.countTotal();
    try {
      await this.open();
    } catch (err) {
      this.stopped = true;
      this.counting.abort();
      throw err;
    }
    this.driver = this.drive();
  }

  /** Stops playing and closes the recording. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.counting.abort();
    this.wakeUp?.();
    await this.driver;
  }

  pause(): void {
    this.control(() => {
      this.paused = true;
      this.target = undefined;
    });
  }

  resume(): void {
    this.control(() => {
      this.paused = false;
      this.target = undefined;
    });
  }

  /** Space: a running jump counts as playing, so it stops the jump. */
  togglePause(): void {
    if (this.paused && this.target === undefined) this.resume();
    else this.pause();
  }

  faster(): void {
    this.control(() => (this.speedIndex = Math.min(this.speedIndex + 1, replaySpeeds.length - 1)));
  }

  slower(): void {
    this.control(() => (this.speedIndex = Math.max(this.speedIndex - 1, 0)));
  }

  /** Pauses if playing, then plays exactly one more event. */
  step(): void {
    this.control(() => {
      this.paused = true;
      this.target = undefined;
      this.steps++;
    });
  }

  /** Back to the beginning: a new session, `onReset`, paused before the first event. */
  seekStart(): void {
    this.control(() => {
      this.resetPending = true;
      this.seekTo(0);
    });
  }

  /** Plays the rest at full speed. */
  seekEnd(): void {
    this.control(() => {
      this.steps = 0;
      if (!this.atEnd()) this.target = { kind: 'end' };
    });
  }

  /** Plays at full speed until an event raises an alert, and pauses after it. */
  nextAlert(): void {
    this.control(() => {
      // Pressed again during the search: one more alert to pass.
      if (this.target?.kind === 'alert') {
        this.target.count++;
        return;
      }
      const from = this.logicalPosition();
      const known = this.alertMarks.find((mark) => mark > from);
      if (known !== undefined) this.seekTo(known);
      else if (!this.atEnd()) this.target = { kind: 'alert', after: from, count: 1 };
    });
  }

  /**
   * Back to the last alert-raising event before the playhead (or before the position a jump is
   * heading to, so repeated presses keep going back), replaying from the start at full speed;
   * to the beginning when there is none.
   */
  previousAlert(): void {
    this.control(() => {
      const from = this.logicalPosition();
      const mark = this.alertMarks.findLast((m) => m < from);
      if (mark === undefined) this.resetPending = true;
      this.seekTo(mark ?? 0);
    });
  }

  /** For useSyncExternalStore: notified (coalesced, outside the caller's stack) when the state changes. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The same object until something changes. */
  readonly getState = (): ReplayState =>
    (this.snapshot ??= {
      position: this.position,
      total: this.total,
      seq: this.seq,
      ts: this.ts,
      speed: this.speed(),
      paused: this.paused,
      seeking: this.target !== undefined || this.resetPending,
      ended: this.ended,
      error: this.error,
      problems: { ...this.problems },
    });

  private speed(): ReplaySpeed {
    return replaySpeeds[this.speedIndex]!;
  }

  /** Where the playhead is, or will be once the jump to a position under way is done. */
  private logicalPosition(): number {
    if (this.target?.kind === 'position') return this.target.position;
    return this.resetPending ? 0 : this.position;
  }

  private atEnd(): boolean {
    return this.ended && !this.resetPending;
  }

  /** Jumps to a position, replaying from the start when it lies behind; paused on arrival. */
  private seekTo(position: number): void {
    this.paused = true;
    this.steps = 0;
    this.resetPending ||= position < this.position;
    const from = this.resetPending ? 0 : this.position;
    this.target = position > from ? { kind: 'position', position } : undefined;
  }

  /** Every control: the recorded-time clock is settled under the old pacing before it changes. */
  private control(change: () => void): void {
    this.rebase();
    change();
    this.changed();
    this.wakeUp?.();
  }

  private changed(): void {
    this.snapshot = undefined;
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    // Coalesced: at full speed thousands of events would otherwise mean thousands of renders.
    setImmediate(() => {
      this.notifyQueued = false;
      for (const listener of this.listeners) listener();
    });
  }

  // --- the recorded-time clock -------------------------------------------------------------

  /** The speed recorded time flows at; undefined while it jumps from event to event or stands still. */
  private flow(): number | undefined {
    const speed = this.speed();
    const still = this.paused || this.target !== undefined || this.steps > 0 || this.ended || speed === 'max';
    return still ? undefined : speed;
  }

  private recordedNow(): number | undefined {
    const flow = this.flow();
    if (this.clockMs === undefined || flow === undefined) return this.clockMs;
    return this.clockMs + (this.timers.now() - this.clockWall) * flow;
  }

  private rebase(): void {
    this.clockMs = this.recordedNow();
    this.clockWall = this.timers.now();
  }

  /** Wall milliseconds until an event is due: 0 unless recorded time is flowing. */
  private dueIn(event: VigilEvent): number {
    const flow = this.flow();
    const now = this.recordedNow();
    const at = Date.parse(event.ts);
    // Unparsable times and the first event play at once.
    if (flow === undefined || now === undefined || Number.isNaN(at)) return 0;
    return Math.max(0, (at - now) / flow);
  }

  /** Moves the clock up to an event played early (a step or a jump); never backwards. */
  private reach(event: VigilEvent): void {
    const at = Date.parse(event.ts);
    const now = this.recordedNow();
    if (Number.isNaN(at) || (now !== undefined && now >= at)) return;
    this.clockMs = at;
    this.clockWall = this.timers.now();
  }

  // --- the driver ----------------------------------------------------------------------------

  private async drive(): Promise<void> {
    try {
      while (!this.stopped) {
        try {
          await this.turn();
        } catch (err) {
          this.fail(err);
        }
      }
    } finally {
      await this.events?.return?.();
    }
  }

  /** One decision of the loop; every await is followed by a fresh decision, as controls may have run. */
  private async turn(): Promise<void> {
    if (this.resetPending) {
      this.resetPending = false;
      await this.open();
      this.options.onReset?.();
      return;
    }
    const wanted = !this.ended && this.events !== undefined && (this.target !== undefined || this.steps > 0 || !this.paused);
    if (!wanted) return this.sleep(undefined);
    if (this.pending === undefined) {
      const next = await this.events!.next();
      if (next.done) this.finish();
      else this.pending = next.value;
      return;
    }
    const wait = this.dueIn(this.pending);
    if (wait > 0) return this.sleep(wait);
    this.play(this.pending);
    this.pending = undefined;
    if (++this.sinceYield >= YIELD_EVERY) {
      this.sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Until woken by a control, or for `ms` at most. */
  private sleep(ms: number | undefined): Promise<void> {
    this.sinceYield = 0;
    return new Promise((resolve) => {
      const handle = ms === undefined ? undefined : this.timers.setTimeout(() => done(), Math.min(ms, MAX_SLEEP_MS));
      const done = (): void => {
        if (handle !== undefined) this.timers.clearTimeout(handle);
        this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = done;
    });
  }

  /** (Re)opens the recording with a new session, before the first event. */
  private async open(): Promise<void> {
    await this.events?.return?.();
    this.events = undefined;
    this.pending = undefined;
    const recording = await readRecording(this.options.file, { onProblem: (p) => this.problem(p) });
    this.events = recording.events[Symbol.asyncIterator]();
    this.current = new Session({
      profile: this.options.profile,
      onAlert: (alert) => {
        this.raisedHere = true;
        this.options.onAlert(alert);
      },
    });
    this.position = 0;
    this.seq = undefined;
    this.ts = recording.header.startedAt;
    this.ended = false;
    this.error = undefined;
    this.clockMs = undefined;
    this.options.onOpen?.(this.current);
    this.changed();
  }

  private play(event: VigilEvent): void {
    this.raisedHere = false;
    this.options.onEvent?.(event);
    this.current!.replay(event);
    this.reach(event);
    this.position++;
    this.seq = event.seq;
    this.ts = event.ts;
    if (this.raisedHere && this.position > (this.alertMarks.at(-1) ?? 0)) this.alertMarks.push(this.position);
    if (this.steps > 0) this.steps--;
    const target = this.target;
    const arrived =
      (target?.kind === 'position' && this.position >= target.position) ||
      (target?.kind === 'alert' && this.raisedHere && this.position > target.after && --target.count === 0);
    if (arrived) {
      this.target = undefined;
      this.paused = true;
    }
    this.changed();
  }

  private finish(): void {
    this.rebase();
    this.ended = true;
    this.target = undefined;
    this.steps = 0;
    this.total = this.position;
    this.changed();
  }

  private fail(err: unknown): void {
    this.rebase();
    this.error = err instanceof Error ? err.message : String(err);
    this.ended = true;
    this.target = undefined;
    this.steps = 0;
    this.events = undefined;
    this.pending = undefined;
    this.changed();
  }

  private problem(problem: RecordingProblem): void {
    // A reset reads the same lines again: each is reported and counted once.
    if (problem.line <= this.reportedLine) return;
    this.reportedLine = problem.line;
    if (problem.kind === 'corrupt') this.problems.corrupt++;
    else if (problem.kind === 'unknown-kind') this.problems.unknownKinds++;
    else this.problems.truncated = true;
    this.changed();
    this.options.onProblem?.(problem);
  }

  /** A first, cheap pass: the line count is the total until the end gives the exact number. */
  private countTotal(): void {
    countEventLines(this.options.file, this.counting.signal).then(
      (lines) => {
        if (this.total !== undefined) return;
        this.total = lines;
        this.changed();
      },
      // Unknown until the end: an unreadable or damaged file is the replay's to report.
      () => undefined,
    );
  }
}

/** Lines after the header, blank and damaged ones included. */
async function countEventLines(path: string, signal: AbortSignal): Promise<number> {
  const file = createReadStream(path, { signal });
  // pipeline destroys the gunzip stream with the file's error, which ends the loop below.
  const bytes: AsyncIterable<Buffer> = isGzipPath(path) ? pipeline(file, createGunzip(), () => undefined) : file;
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of bytes) {
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lines++;
    if (chunk.length > 0) last = chunk[chunk.length - 1]!;
  }
  if (last !== 0x0a) lines++;
  return Math.max(0, lines - 1);
}
