// End to end on the live host in a real terminal (tmux): the workbench sees a container being
// created, records with R to recordings/, follows a terminal resize, and the recording replays.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { jsonLines, runVigil, VIGIL_BIN } from '../helpers/cli.js';
import { docker, dockerAvailable, ensureTestImage, liveGate, removeContainers, TEST_IMAGE } from '../helpers/live.js';
import { terminal, tmux, tmuxAvailable } from '../helpers/tmux.js';

const ready = liveGate('live workbench (tmux, docker)', () => (tmuxAvailable().ok ? dockerAvailable() : tmuxAvailable()));
const session = `vigil-live-e2e-${process.pid}`;
const name = `vigil-e2e-${process.pid}-priv`;

describe.runIf(ready)('the live workbench in a real terminal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-live-e2e-'));
  afterAll(() => {
    tmux('kill-session', '-t', session);
    removeContainers(name);
    rmSync(dir, { recursive: true, force: true });
  });
  const { until, press } = terminal(session);

  it('shows a new container finding, records with R, and follows a resize', async () => {
    ensureTestImage();
    const command = `cd ${dir} && ${process.execPath} ${VIGIL_BIN} --state ${join(dir, 'state.json')}; echo "vigil exited $?"; sleep 60`;
    expect(tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', command).status).toBe(0);
    await until(/LIVE.*● docker/, 'the docker source up');
    await press('R');
    await until(/recording to recordings\/.*\.jsonl\.gz/, 'the recording starting');
    await until(/● REC/, 'the recording indicator');
    docker('create', '--name', name, '--network', 'none', '--privileged', TEST_IMAGE, 'sleep', '60');
    await until(new RegExp(`CRITICAL\\s+Container security op.*${name.slice(0, 12)}`), 'the new alert');
    tmux('resize-window', '-t', session, '-x', '80', '-y', '24');
    const small = await until(/LIVE/, 'the status line after the resize');
    expect(Math.max(...small.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
    await press('R');
    await until(/recording saved to recordings\//, 'the recording saved');
    await press('q');
    await until(/vigil exited 0/, 'vigil to exit');
    const files = readdirSync(join(dir, 'recordings')).filter((f) => f.endsWith('.jsonl.gz'));
    expect(files).toHaveLength(1);
    const replay = await runVigil(['detect', '--replay', join(dir, 'recordings', files[0]!), '--json']);
    expect(replay.code).toBe(0);
    expect(jsonLines<Alert>(replay.stdout).some((a) => a.container?.name === name && a.ruleId === 'system.container_security_options')).toBe(true);
  }, 90_000);
});
