// The headless runs behind `vigil detect`, `vigil record` and (until the workbench) `vigil`:
// live sources or a recording through a session, alerts to stdout, problems to stderr.
import { hostname } from 'node:os';
import type { Alert } from '../engine/alert.js';
import type { UnsequencedEvent } from '../engine/events.js';
import type { Profile } from '../engine/profile.js';
import type { ResponseRequest } from '../engine/rule.js';
import { openRecordingWriter, type RecordingWriter } from '../recording/writer.js';
import { readRecording, type RecordingProblem, type RecordingReadStats } from '../recording/reader.js';
import { RECORDING_FORMAT, RECORDING_VERSION } from '../recording/format.js';
import { Session } from '../runtime/session.js';
import { vigilVersion } from '../runtime/version.js';
import { WhitelistService } from '../runtime/whitelist.js';
import { readAuditLog } from '../sources/audit/offline.js';
import { readK8sAuditLog } from '../sources/k8s/audit-offline.js';
import { AuditSource } from '../sources/audit/source.js';
import { ProcSource } from '../sources/proc/source.js';
import { isoNow, sourceStatus } from '../sources/source.js';
import { defaultStatePath, type StateStore } from '../state/store.js';
import { StateHealth } from '../runtime/state-health.js';
import { UsageError } from './usage.js';

export interface RunOptions {
  profile: Profile;
  onAlert: (alert: Alert) => void;
  recordPath?: string;
  stderr?: NodeJS.WritableStream;
}

export interface LiveOptions extends RunOptions {
  durationSeconds?: number;
  keepEnvValues: boolean;
  /** The state file whose whitelist entries apply (default under $XDG_STATE_HOME). */
  statePath?: string;
}

/** Problems printed one by one before only their count is kept. */
const PROBLEMS_SHOWN = 20;

export async function openRecorder(path: string | undefined, onError: (err: Error) => void): Promise<RecordingWriter | undefined> {
  if (path === undefined) return undefined;
  try {
    return await openRecordingWriter(
      path,
      { format: RECORDING_FORMAT, version: RECORDING_VERSION, host: hostname(), startedAt: isoNow(), vigilVersion },
      { onError },
    );
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export async function runReplay(file: string, options: RunOptions): Promise<void> {
  const stderr = options.stderr ?? process.stderr;
  let shown = 0;
  const onProblem = (p: RecordingProblem) => {
    if (shown++ < PROBLEMS_SHOWN) stderr.write(`vigil: ${file}:${p.line}: ${p.message}\n`);
  };
  let recording;
  try {
    recording = await readRecording(file, { onProblem });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const recorder = await openRecorder(options.recordPath, (err) => stderr.write(`vigil: recording failed: ${err.message}\n`));
  const session = new Session({ profile: options.profile, onAlert: options.onAlert, ...(recorder && { recorder }) });
  // Damage past the first chunk (a gzip stream corrupt halfway) ends the replay where it starts:
  // what came before stands, the counts are still given, and the exit says the input was bad.
  let unreadable: string | undefined;
  try {
    for await (const batch of recording.batches) for (const event of batch) session.replay(event);
  } catch (err) {
    unreadable = `${err instanceof Error ? err.message : String(err)}, after ${recording.stats.events} events`;
  }
  await recorder?.close();
  reportSkipped(file, recording.stats, stderr);
  if (unreadable !== undefined) throw new UsageError(unreadable);
}

function reportSkipped(file: string, stats: RecordingReadStats, stderr: NodeJS.WritableStream): void {
  const { corrupt, unknownKinds, truncated } = stats;
  if (corrupt || unknownKinds || truncated) {
    const parts = [
      corrupt && `${corrupt} corrupt line${corrupt > 1 ? 's' : ''} skipped`,
      unknownKinds && `${unknownKinds} event${unknownKinds > 1 ? 's' : ''} of unknown kind skipped`,
      truncated && 'truncated last line ignored',
    ].filter(Boolean);
    stderr.write(`vigil: ${file}: ${parts.join(', ')}\n`);
  }
}

export async function runLive(options: LiveOptions): Promise<void> {
  const stderr = options.stderr ?? process.stderr;
  let session: Session | undefined;
  const recorder = await openRecorder(options.recordPath, (err) => session?.ingest(recorderDown(err)));
  const health = new StateHealth((line) => stderr.write(`vigil: ${line}\n`));
  const store = await health.open(options.statePath ?? defaultStatePath());
  const sources = await liveSources(options.keepEnvValues, options.profile);
  session = new Session({
    profile: options.profile,
    onAlert: options.onAlert,
    ...(recorder && { recorder }),
    onResponse: sources.respond,
  });
  health.attach(session.ingest);
  await sources.start(session, store);
  await untilStopped(options.durationSeconds);
  await sources.stop();
  session.flush();
  await recorder?.close();
}

export function recorderDown(err: Error): UnsequencedEvent {
  return sourceStatus('recorder', 'down', `recording could not be written: ${err.message}`);
}

/** This host's live sources, started in order: containers first, so processes find theirs. */
export async function liveSources(keepEnvValues: boolean, profile: Profile) {
  // Loaded only for live runs: dockerode is most of vigil's start-up time, and a replay must
  // never reach Docker anyway.
  const [{ dockerClient }, { DockerSource }, { FilesSource }, { LogsSource }, { K8sAuditSource }, { K8sWatchSource }] = await Promise.all([
    import('../sources/docker/client.js'),
    import('../sources/docker/source.js'),
    import('../sources/files/source.js'),
    import('../sources/logs/source.js'),
    import('../sources/k8s/audit-source.js'),
    import('../sources/k8s/watch.js'),
  ]);
  const client = dockerClient();
  const docker = new DockerSource({ keepEnvValues, client });
  let audit: AuditSource | undefined;
  const proc = new ProcSource();
  const files = new FilesSource(profile);
  const logs = new LogsSource(profile, client.ok ? client.client : undefined);
  const cluster = [new K8sAuditSource(profile.kubernetes), new K8sWatchSource()];
  return {
    respond: (request: ResponseRequest) => void docker.stopContainer(request.containerId),
    async start(session: Session, store: StateStore): Promise<void> {
      new WhitelistService(store, session.ingest).publish();
      files.start(session.ingest);
      logs.start(session.ingest);
      for (const source of cluster) source.start(session.ingest);
      // The files and logs sources follow containers as the docker source sees them.
      docker.start((event) => {
        session.ingest(event);
        files.observe(event);
        logs.observe(event);
      });
      await docker.ready();
      audit = new AuditSource({ logFile: session.engine.profile.auditLogFile });
      audit.start(session.ingest);
      proc.start(session.ingest);
    },
    async stop(): Promise<void> {
      await Promise.all([docker.stop(), audit?.stop(), proc.stop(), files.stop(), logs.stop(), ...cluster.map((s) => s.stop())]);
    },
  };
}

/** `--audit-log FILE`: a saved Linux audit log through the engine. */
export function runAuditLog(file: string, options: RunOptions): Promise<void> {
  return runOfflineLog(file, options, async (ingest) => {
    const { malformed } = await readAuditLog(file, ingest);
    return malformed > 0 ? `${malformed} malformed audit record${malformed === 1 ? '' : 's'} skipped` : undefined;
  });
}

/** `--k8s-audit FILE`: a saved Kubernetes audit log (audit.k8s.io/v1 events) through the engine. */
export function runK8sAuditLog(file: string, options: RunOptions): Promise<void> {
  return runOfflineLog(file, options, async (ingest) => {
    const { rejected, reasons } = await readK8sAuditLog(file, ingest);
    if (rejected === 0) return undefined;
    const why = [...reasons].map(([reason, n]) => `${n} ${reason}`).join('; ');
    return `${rejected} line${rejected === 1 ? '' : 's'} skipped (${why})`;
  });
}

/** A saved log read into a session; `read` returns what to report about skipped input. */
async function runOfflineLog(file: string, options: RunOptions, read: (ingest: Session['ingest']) => Promise<string | undefined>): Promise<void> {
  const stderr = options.stderr ?? process.stderr;
  const recorder = await openRecorder(options.recordPath, (err) => stderr.write(`vigil: recording failed: ${err.message}\n`));
  const session = new Session({ profile: options.profile, onAlert: options.onAlert, ...(recorder && { recorder }) });
  let skipped;
  try {
    skipped = await read(session.ingest);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  } finally {
    await recorder?.close();
  }
  if (skipped) stderr.write(`vigil: ${file}: ${skipped}\n`);
}

/** Resolves after the duration, or on SIGINT/SIGTERM, whichever comes first. */
function untilStopped(durationSeconds: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    const timer = durationSeconds === undefined ? undefined : setTimeout(done, durationSeconds * 1000);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
