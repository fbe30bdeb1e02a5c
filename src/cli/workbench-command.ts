// `vigil` and `vigil --replay FILE` on a terminal: the workbench over this host's live sources
// or over a recording, with acknowledgements and whitelist entries kept in the state file.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Alert } from '../engine/alert.js';
import type { Engine } from '../engine/engine.js';
import type { UnsequencedEvent } from '../engine/events.js';
import type { Profile } from '../engine/profile.js';
import type { RecordingWriter } from '../recording/writer.js';
import { ReplayPlayer } from '../runtime/replay-player.js';
import { StateHealth } from '../runtime/state-health.js';
import { Session } from '../runtime/session.js';
import { WhitelistService } from '../runtime/whitelist.js';
import { bootTimeMs, clockTicksPerSecond } from '../sources/proc/process.js';
import { defaultStatePath } from '../state/store.js';
import { alertContext } from '../ui/model/alert-context.js';
import { AlertStore } from '../ui/model/alert-store.js';
import { EventWindow } from '../ui/model/event-window.js';
import { exportAlerts } from '../ui/model/export.js';
import { StatusModel } from '../ui/model/status.js';
import { runWorkbench } from '../ui/workbench.js';
import { liveSources, openRecorder, recorderDown } from './run.js';

export interface WorkbenchOptions {
  profile: Profile;
  lang: 'en' | 'zh';
  statePath?: string | undefined;
  keepEnvValues: boolean;
  recordPath?: string | undefined;
}

/** The parts both modes share: stores, acknowledgements, export. */
async function common(options: WorkbenchOptions) {
  const store = new AlertStore();
  const status = new StatusModel();
  const events = new EventWindow();
  // No stderr: it would land under the alternate screen. The problems become health alerts.
  const health = new StateHealth(undefined);
  const state = await health.open(options.statePath ?? defaultStatePath());
  store.ack(Object.keys(state.data.acks));
  const persistAcks = (ids: string[]) =>
    state.update((d) => {
      for (const id of ids) d.acks[id] = { at: new Date().toISOString() };
    });
  const exportWith = (engine: () => Engine) => async (alerts: Alert[]) => {
    if (alerts.length === 0) return 'nothing to export';
    const files = await exportAlerts(alerts.map((a) => alertContext(a, engine(), events)), process.cwd(), new Date());
    return `exported ${alerts.length} alert${alerts.length === 1 ? '' : 's'} to ${files.markdown} and ${files.json}`;
  };
  const observe = (e: Parameters<EventWindow['add']>[0]) => {
    status.observe(e);
    events.add(e);
  };
  return { store, status, events, state, health, persistAcks, exportWith, observe };
}

export async function liveWorkbench(options: WorkbenchOptions): Promise<void> {
  const { store, status, events, state, health, persistAcks, exportWith, observe } = await common(options);
  let session: Session | undefined;
  const initial = await openRecorder(options.recordPath, (err) => session?.ingest(recorderDown(err)));
  const sources = await liveSources(options.keepEnvValues, options.profile);
  const live = new Session({
    profile: options.profile,
    onAlert: (a) => store.add(a),
    ...(initial && { recorder: initial }),
    onResponse: sources.respond,
    onEvent: observe,
  });
  session = live;
  health.attach(live.ingest);
  let recording: { writer: RecordingWriter; path: string } | undefined = initial && options.recordPath ? { writer: initial, path: options.recordPath } : undefined;
  status.setRecording(recording?.path);
  const toggleRecording = async () => {
    if (recording) {
      const { writer, path } = recording;
      recording = undefined;
      live.setRecorder(undefined);
      status.setRecording(undefined);
      await writer.close();
      return `recording saved to ${path}`;
    }
    mkdirSync('recordings', { recursive: true });
    const path = join('recordings', `${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl.gz`);
    const writer = (await openRecorder(path, (err) => live.ingest(recorderDown(err))))!;
    recording = { writer, path };
    live.setRecorder(writer);
    status.setRecording(path);
    return `recording to ${path}`;
  };
  await sources.start(live, state);
  await runWorkbench(
    {
      mode: 'live',
      lang: options.lang,
      store,
      status,
      events,
      engine: () => live.engine,
      profile: options.profile,
      whitelist: new WhitelistService(state, live.ingest),
      persistAcks,
      toggleRecording,
      exportAlerts: exportWith(() => live.engine),
      clock: { bootTimeMs: bootTimeMs(), ticksPerSecond: clockTicksPerSecond() },
    },
    async () => {
      status.stop();
      await sources.stop();
      live.flush();
      await recording?.writer.close();
    },
  );
}

export async function replayWorkbench(file: string, options: WorkbenchOptions): Promise<void> {
  const { store, status, events, state, health, persistAcks, exportWith, observe } = await common(options);
  let skipped = 0;
  const player = new ReplayPlayer({
    file,
    profile: options.profile,
    onAlert: (a) => store.add(a),
    onEvent: observe,
    onReset: () => {
      store.clear();
      events.clear();
    },
    // Each damaged line is reported once, even when a seek reads it again.
    onProblem: () => status.setSkipped(++skipped),
    // The operator's whitelist holds from the start of every pass, as it would live; a whitelist
    // the recording holds replaces it from where it was recorded, as it did then.
    onOpen: () => whitelist.publish(),
  });
  const ingest = (e: UnsequencedEvent) => player.session.ingest(e);
  const whitelist = new WhitelistService(state, ingest);
  await player.start();
  // The player shows only the recording's events; vigil's own problems are shown here.
  health.attach((e) => {
    ingest(e);
    status.observe(e);
  });
  await runWorkbench(
    {
      mode: 'replay',
      lang: options.lang,
      store,
      status,
      events,
      engine: () => player.session.engine,
      profile: options.profile,
      replay: player,
      whitelist,
      persistAcks,
      exportAlerts: exportWith(() => player.session.engine),
    },
    async () => {
      status.stop();
      player.stop();
    },
  );
}

