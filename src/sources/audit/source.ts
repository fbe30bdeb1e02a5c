// The audit source: makes sure vigil's audit rules are loaded (or says exactly why it cannot),
// follows auditd's log across rotation, assembles records into events and attributes them to
// processes and containers. The kernel's lost-record counter is reported as it changes.
import { packageFile } from '../../runtime/package-files.js';
import { isoNow, sourceStatus, type Emit, type Source } from '../source.js';
import { AuditAssembler } from './assemble.js';
import { Attribution } from './attribution.js';
import { ensureAuditRules, readAuditStatus } from './rules-loader.js';
import { LogTailer } from '../tail.js';
import { AuditConverter } from './to-events.js';

export const AUDIT_RULES_FILE = packageFile('profiles', 'audit.rules');

export interface AuditSourceOptions {
  logFile: string;
  rulesFile?: string;
  /** How often the kernel's lost counter is read. */
  statusIntervalMs?: number;
}

/** Said whenever audit is off: what the operator loses. */
const WITHOUT_AUDIT = 'execs are seen only by 1 s /proc scans, other syscalls not at all';

export class AuditSource implements Source {
  readonly name = 'audit';
  private emit: Emit = () => {};
  private tailer: LogTailer | undefined;
  private assembler: AuditAssembler | undefined;
  private timers: NodeJS.Timeout[] = [];
  private lost: number | undefined;
  private stopped = false;
  private started: Promise<void> = Promise.resolve();

  constructor(private readonly options: AuditSourceOptions) {}

  start(emit: Emit): void {
    this.emit = emit;
    this.started = this.init();
  }

  /** Resolves once the rules are settled and the log is being followed (or the source is down). */
  ready(): Promise<void> {
    return this.started;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await this.started;
    await this.tailer?.stop();
    this.assembler?.flush();
  }

  private async init(): Promise<void> {
    const rules = await ensureAuditRules(this.options.rulesFile ?? AUDIT_RULES_FILE);
    if (this.stopped) return;
    if (rules.state === 'unavailable') return this.status('down', `${rules.reason}; ${WITHOUT_AUDIT}`);
    const converter = new AuditConverter({ attribution: new Attribution(true), hashExecutables: true });
    const assembler = new AuditAssembler({
      onEvent: (event) => {
        const converted = converter.convert(event);
        if (converted) this.emit(converted);
      },
    });
    this.assembler = assembler;
    this.tailer = new LogTailer(this.options.logFile, {
      onLines: (lines) => {
        for (const line of lines) assembler.push(line);
      },
      onError: (err) => this.status('down', `cannot follow ${this.options.logFile}: ${err.message}; ${WITHOUT_AUDIT}`),
      onRecovered: () => this.status('up', `following ${this.options.logFile} again`),
    });
    this.tailer.start();
    const loaded = rules.state === 'loaded' ? 'vigil audit rules loaded' : 'vigil audit rules already present';
    const skipped = rules.skipped.length > 0 ? ` (skipped: ${rules.skipped.join('; ')})` : '';
    this.status('up', `${loaded}${skipped}`);
    // Events without a closing record (none in practice) still come out when the log is idle.
    this.timers.push(setInterval(() => assembler.expire(), 500));
    await this.readLost();
    this.timers.push(setInterval(() => void this.readLost(), this.options.statusIntervalMs ?? 5000));
  }

  private async readLost(): Promise<void> {
    const status = await readAuditStatus();
    if (!status || this.stopped) return;
    const lostSince = this.lost === undefined ? 0 : Math.max(0, status.lost - this.lost);
    if (this.lost !== undefined && lostSince === 0) return;
    this.lost = status.lost;
    this.emit({ ts: isoNow(), source: 'audit', kind: 'status', data: { enabled: status.enabled, lost: status.lost, lostSince, backlog: status.backlog } });
  }

  private status(state: 'up' | 'down', reason: string): void {
    this.emit(sourceStatus(this.name, state, reason));
  }
}
