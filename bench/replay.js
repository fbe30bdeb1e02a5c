// Replay throughput and memory: a generated 1 000 000-event recording (bench/recording-gen.js)
// read and JSON.parsed only (the ceiling), then replayed by `vigil detect --replay` through the
// whole catalogue; in between, the floor: vigil's reading and state tables without any rule
// (bench/replay-floor.js). All run as their own processes and are timed from spawn to exit; vigil's
// peak RSS comes from the process itself (bench/max-rss.js). A shorter replay of the same node
// shows that memory does not grow with the length of the recording.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRecording } from './recording-gen.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const profile = join(root, 'bench/replay.profile.yaml');

/** Runs node with `args`, stdout to `out`; wall time, peak RSS (when preloaded) and stderr. */
function runNode(args, out) {
  const fd = openSync(out, 'w');
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--import', join(root, 'bench/max-rss.js'), ...args], { cwd: root, stdio: ['ignore', fd, 'pipe'], maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  closeSync(fd);
  const stderr = r.stderr.toString();
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status}): ${stderr.slice(-2000)}`);
  const rss = /vigil-bench-max-rss-kb (\d+)/.exec(stderr);
  return { ms, peakRssMB: rss ? Math.round(Number(rss[1]) / 1024) : undefined, stderr };
}

function replay(file, dir) {
  const alertsFile = join(dir, 'alerts.jsonl');
  const run = runNode([join(root, 'bin/vigil.js'), 'detect', '--replay', file, '--profile', profile, '--json'], alertsFile);
  const alerts = readFileSync(alertsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  return { ...run, alerts };
}

export async function replayThroughput(dir, events = 1_000_000) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'replay-1m.jsonl');
  const short = join(dir, 'replay-250k.jsonl');
  await writeRecording(file, { count: events });
  await writeRecording(short, { count: events / 4 });
  const parse = runNode([join(root, 'bench/parse-only.js'), file], join(dir, 'parse.out'));
  const floor = runNode([join(root, 'bench/replay-floor.js'), file], join(dir, 'floor.out'));
  const full = replay(file, dir);
  const quarter = replay(short, dir);
  const rules = new Set(full.alerts.map((a) => a.ruleId));
  return {
    replayEvents: events,
    replayFileMB: Math.round(statSync(file).size / 1e6),
    replayAlerts: full.alerts.length,
    replayRulesFired: rules.size,
    parseOnlyEventsPerSec: Math.round(events / (parse.ms / 1000)),
    engineEventsPerSec: Math.round(events / (full.ms / 1000)),
    engineToParseRatio: +(parse.ms / full.ms).toFixed(3),
    noRulesEventsPerSec: Math.round(events / (floor.ms / 1000)),
    noRulesToParseRatio: +(parse.ms / floor.ms).toFixed(3),
    peakRssMB: full.peakRssMB,
    peakRssMBQuarterLength: quarter.peakRssMB,
  };
}
