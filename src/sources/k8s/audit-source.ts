// The Kubernetes audit source: follows kube-apiserver's audit log on a control-plane node, from
// its end, through rotation (lumberjack renames the file to audit-<timestamp>.log and opens a
// new one: the tailer reads the renamed file to its end, then the new one), and emits each API
// request once. Nodes without an API server have no log: the source says so and stays idle.
import { existsSync } from 'node:fs';
import type { SourceState } from '../../engine/events.js';
import type { Profile } from '../../engine/profile.js';
import { sourceStatus, type Emit, type Source } from '../source.js';
import { LogTailer, MAX_LINE_BYTES } from '../tail.js';
import { auditEvent, parseAuditLine } from './audit-event.js';
import { StageMerger } from './stages.js';

export interface K8sAuditTiming {
  pollMs?: number;
  /** How long a request seen only at RequestReceived waits for its final stage before it is emitted as it is. */
  pendingMs?: number;
}

const POLL_MS = 250;
const PENDING_MS = 30_000;
/** Rejected lines are reported at the first, then once per this many. */
const REPORT_EVERY = 1000;

export class K8sAuditSource implements Source {
  readonly name = 'k8s-audit';
  readonly stats = { lines: 0, rejected: 0 };
  private emit: Emit = () => {};
  private tailer: LogTailer | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private overlongSeen = 0;
  private readonly merger = new StageMerger((data) => this.emit(auditEvent(data)));

  constructor(
    private readonly settings: Pick<Profile['kubernetes'], 'auditLogFile' | 'discoverAuditLogs'>,
    /** Follow this file whatever the settings say (tests). */
    private readonly path?: string,
    private readonly timing: K8sAuditTiming = {},
  ) {}

  start(emit: Emit): void {
    this.emit = emit;
    const { auditLogFile, discoverAuditLogs } = this.settings;
    const file = this.path ?? (auditLogFile || discoverAuditLogs.find((p) => existsSync(p)));
    if (!file) {
      // No audit log on this host is a node without a kube-apiserver (or no Kubernetes): not an outage.
      this.status('off', `no kube-apiserver audit log (looked in ${discoverAuditLogs.join(', ') || 'nothing: discoverAuditLogs is empty'})`);
      return;
    }
    const tailer = new LogTailer(file, {
      pollMs: this.timing.pollMs ?? POLL_MS,
      onLines: (lines) => this.lines(file, lines),
      onError: (err) => this.status('degraded', `${file}: ${err.message}`),
      onRecovered: () => this.status('up', `following ${file} again`),
    });
    this.tailer = tailer;
    tailer.start();
    const pendingMs = this.timing.pendingMs ?? PENDING_MS;
    this.sweeper = setInterval(() => this.sweep(file, tailer, pendingMs), Math.min(pendingMs, 5000));
    this.sweeper.unref();
    // A configured file may not exist yet: the tailer waits for it.
    this.status('up', existsSync(file) ? `following ${file}` : `waiting for ${file}`);
  }

  async stop(): Promise<void> {
    clearInterval(this.sweeper);
    await this.tailer?.stop();
  }

  private lines(file: string, lines: string[]): void {
    const now = Date.now();
    for (const line of lines) {
      this.stats.lines++;
      const { events, rejected } = parseAuditLine(line);
      for (const reason of rejected) this.reject(file, reason);
      for (const data of events) this.merger.push(data, now);
    }
  }

  private sweep(file: string, tailer: LogTailer, pendingMs: number): void {
    this.merger.flushSeenBefore(Date.now() - pendingMs);
    // The tailer skips lines over its limit (a list's response object at RequestResponse level).
    for (; this.overlongSeen < tailer.stats.overlong; this.overlongSeen++) this.reject(file, `line over ${MAX_LINE_BYTES / 1024 / 1024} MiB`);
  }

  private reject(file: string, reason: string): void {
    this.stats.rejected++;
    if (this.stats.rejected % REPORT_EVERY !== 1) return;
    this.status('degraded', `${file}: ${this.stats.rejected} line(s) rejected so far (latest: ${reason})`);
  }

  private status(state: SourceState, reason: string): void {
    this.emit(sourceStatus(this.name, state, reason));
  }
}
