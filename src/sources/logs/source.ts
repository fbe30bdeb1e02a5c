// The logs source: authentication outcomes from the host log files the profile names (followed
// through rotation) and from each running container's stdout/stderr (through the Docker API,
// read-only). Only lines that are an authentication outcome become events.
import { existsSync } from 'node:fs';
import type Docker from 'dockerode';
import type { AuthService, UnsequencedEvent } from '../../engine/events.js';
import type { Profile } from '../../engine/profile.js';
import { splitLines } from '../lines.js';
import { isoNow, sourceStatus, type Emit, type Source } from '../source.js';
import { LogTailer } from '../tail.js';
import { demuxDockerLog } from './demux.js';
import { createAnyServiceParser, createAuthParser, type AuthOutcome } from './parse/index.js';

/** Longest log line kept in an event; the parsers see at most MAX_LINE. */
const LINE_IN_EVENT = 2048;
const MAX_LINE = 64 * 1024;
const POLL_MS = 250;

type Stream = NodeJS.ReadableStream & { destroy?: () => void };

export interface LogsSourceStats {
  lines: number;
  events: number;
}

export class LogsSource implements Source {
  readonly name = 'logs';
  readonly stats: LogsSourceStats = { lines: 0, events: 0 };
  private emit: Emit = () => {};
  private readonly tailers: LogTailer[] = [];
  private readonly followed = new Map<string, Stream | 'opening'>();
  /** Host log files that cannot be followed right now, with why. */
  private readonly failing = new Map<string, string>();
  private stopped = false;

  constructor(
    private readonly profile: Profile,
    /** The Docker client container logs are read through; none: host files only. */
    private readonly docker?: Docker,
  ) {}

  start(emit: Emit): void {
    this.emit = emit;
    const options = { webLoginPaths: this.profile.logs.webLoginPaths };
    for (const { path, service } of this.profile.logs.files) {
      const parser = createAuthParser(service, options);
      const tailer = new LogTailer(path, {
        pollMs: POLL_MS,
        onLines: (lines) => {
          for (const line of lines) this.line(line, parser.parse(line.slice(0, MAX_LINE)), service, { origin: path });
        },
        onError: (err) => {
          this.failing.set(path, err.message);
          this.reportFailing();
        },
        onRecovered: () => {
          this.failing.delete(path);
          this.reportFailing(`following ${path} again`);
        },
      });
      tailer.start();
      this.tailers.push(tailer);
    }
    // Absent files are waited for; saying which are there tells the operator what is covered.
    const present = this.profile.logs.files.filter((f) => existsSync(f.path)).map((f) => f.path);
    const absent = this.profile.logs.files.length - present.length;
    this.status('up', `following ${present.length > 0 ? present.join(', ') : 'no host log file yet'}${absent > 0 ? ` (${absent} absent, waited for)` : ''}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const stream of this.followed.values()) if (stream !== 'opening') stream.destroy?.();
    this.followed.clear();
    await Promise.all(this.tailers.map((t) => t.stop()));
  }

  /** Follows the docker source's events: each running container's log, from now on. */
  observe(event: UnsequencedEvent): void {
    if (this.stopped || !this.docker || !this.profile.logs.containers || event.source !== 'docker') return;
    if (event.kind === 'container.snapshot' && event.data.container.state.running) void this.follow(event.data.container.id);
    else if (event.kind === 'container.lifecycle' && (event.data.action === 'die' || event.data.action === 'destroy')) {
      const stream = this.followed.get(event.data.id);
      if (stream !== 'opening') stream?.destroy?.();
      this.followed.delete(event.data.id);
    }
  }

  private async follow(id: string): Promise<void> {
    if (this.followed.has(id) || !this.docker) return;
    this.followed.set(id, 'opening');
    const parser = createAnyServiceParser({ webLoginPaths: this.profile.logs.webLoginPaths });
    let stream: Stream;
    try {
      stream = (await this.docker.getContainer(id).logs({ follow: true, stdout: true, stderr: true, since: Math.floor(Date.now() / 1000) })) as Stream;
    } catch (err) {
      this.followed.delete(id);
      // Gone, or dead and being removed, before its log could be opened (a short `docker run
      // --rm`): no fault of this source.
      const code = (err as { statusCode?: number }).statusCode;
      if (code !== 404 && code !== 409) this.status('degraded', `container ${id.slice(0, 12)} logs: ${(err as Error).message}`);
      return;
    }
    if (this.stopped || this.followed.get(id) !== 'opening') return void stream.destroy?.();
    this.followed.set(id, stream);
    const onBytes = splitLines((line) => {
      const parsed = parser.parse(line);
      this.line(line, parsed, parsed?.service, { origin: 'container', containerId: id });
    }, MAX_LINE);
    stream.on('data', demuxDockerLog(onBytes));
    stream.on('error', () => this.followed.delete(id));
    stream.on('close', () => {
      if (this.followed.get(id) === stream) this.followed.delete(id);
    });
  }

  private line(line: string, outcome: AuthOutcome | undefined, service: AuthService | undefined, where: { origin: string; containerId?: string }): void {
    this.stats.lines++;
    if (!outcome || !service || this.stopped) return;
    this.stats.events++;
    this.emit({
      source: 'logs',
      kind: 'auth',
      ts: isoNow(),
      data: { service, ...outcome, ...where, line: line.slice(0, LINE_IN_EVENT) },
    });
  }

  /** Degraded while any host log cannot be followed, naming each; up again once none. */
  private reportFailing(recovered?: string): void {
    if (this.failing.size === 0) return this.status('up', recovered);
    this.status('degraded', [...this.failing].map(([path, message]) => `${path}: ${message}`).join('; '));
  }

  private status(state: 'up' | 'degraded', reason?: string): void {
    this.emit(sourceStatus(this.name, state, reason || undefined));
  }
}
