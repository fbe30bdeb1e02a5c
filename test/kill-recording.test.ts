// `kill -9` while vigil records a live run: the recording still replays, losing at most what
// was written in the last moments (the writer flushes every 100 ms) and its last partial line.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { VigilEvent } from '../src/engine/events.js';
import { readRecording } from '../src/recording/reader.js';
import { runVigil, startVigil } from './helpers/cli.js';
import { kubeAuditRequests } from './helpers/kube-audit-lines.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function kubeEvents(path: string): Promise<number> {
  let n = 0;
  const recording = await readRecording(path, { onProblem: () => {} });
  for await (const e of recording.events) if ((e as VigilEvent).source === 'k8s') n++;
  return n;
}

describe('kill -9 while recording', () => {
  it.each(['live.jsonl', 'live.jsonl.gz'])('%s still replays, up to the last flush', async (name) => {
    const log = join(dir, `${name}.log`);
    writeFileSync(log, '');
    const profile = join(dir, `${name}.yaml`);
    writeFileSync(profile, `kubernetes:\n  auditLogFile: ${log}\n`);
    const path = join(dir, name);
    const vigil = startVigil(['detect', '--live', '--json', '--record', path, '--profile', profile], { HOME: dir, XDG_STATE_HOME: dir });
    // The recording is readable while it is written: keep the source busy until it holds 1000.
    let sent = 0;
    let seen = 0;
    const end = Date.now() + 30_000;
    while (seen < 1000 && Date.now() < end) {
      appendFileSync(log, kubeAuditRequests(sent, 200));
      sent += 200;
      await new Promise((r) => setTimeout(r, 50));
      seen = await kubeEvents(path).catch(() => 0);
    }
    expect(seen).toBeGreaterThanOrEqual(1000);
    vigil.child.kill('SIGKILL');
    await vigil.done;

    const replay = await runVigil(['detect', '--replay', path, '--json']);
    expect(replay.code).toBe(0);
    // At most the cut-off end is reported; nothing in the middle is damaged.
    expect(replay.stderr).not.toMatch(/corrupt/);
    expect(await kubeEvents(path)).toBeGreaterThanOrEqual(seen);
  }, 60_000);
});
