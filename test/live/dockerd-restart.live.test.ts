// Live: a real dockerd stopped and started again while vigil watches it. A second daemon of its
// own (own data root, exec root and managed containerd) so the suites using the machine's dockerd
// run on undisturbed; its containers survive the restart, as on any node.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { jsonLines, startVigil, waitFor } from '../helpers/cli.js';
import { dockerAvailable, ensureTestImage, liveGate, TEST_IMAGE } from '../helpers/live.js';

const live = liveGate('dockerd restart', () => (process.getuid?.() === 0 ? dockerAvailable() : { ok: false, reason: 'not running as root' }));
const dir = mkdtempSync(join(tmpdir(), 'vigil-dockerd-'));
const socket = join(dir, 'docker.sock');
const host = `unix://${socket}`;
const own = (...args: string[]) => spawnSync('docker', ['-H', host, ...args], { encoding: 'utf8', timeout: 60_000 });

/** Starts the test's own dockerd and resolves once it answers. */
async function startDaemon(): Promise<ChildProcess> {
  const daemon = spawn(
    'dockerd',
    [
      ...['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'dockerd.pid'), '-H', host],
      ...['--bridge=none', '--iptables=false', '--ip-masq=false', '--containerd-namespace', 'vigil-test', '--containerd-plugins-namespace', 'vigil-test-plugins'],
    ],
    { stdio: 'ignore' },
  );
  await waitFor(() => own('info', '--format', '{{.ID}}').status === 0, 30_000, 'the test dockerd to answer');
  return daemon;
}

async function stopDaemon(daemon: ChildProcess): Promise<void> {
  if (daemon.exitCode !== null) return;
  const exited = new Promise((resolve) => daemon.once('exit', resolve));
  daemon.kill('SIGTERM');
  await exited;
}

let daemon: ChildProcess | undefined;
afterAll(async () => {
  if (daemon) await stopDaemon(daemon);
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(live)('dockerd stopped and restarted', () => {
  it('is reported, reconnected to and resynchronised; detection resumes without repeating alerts', async () => {
    ensureTestImage();
    daemon = await startDaemon();
    const image = spawnSync('sh', ['-c', `docker save ${TEST_IMAGE} | docker -H ${host} load`], { encoding: 'utf8' });
    expect(image.status).toBe(0);
    expect(own('create', '--name', 'vigil-before', '--network', 'none', '--privileged', TEST_IMAGE, 'sleep', '60').status).toBe(0);

    const vigil = startVigil(['detect', '--json', '--duration', '60'], { DOCKER_HOST: host, HOME: dir, XDG_STATE_HOME: dir });
    const alerts = () => jsonLines<Alert>(vigil.stdout());
    const named = (name: string) => alerts().filter((a) => a.container?.name === name);
    const dockerDown = () => alerts().filter((a) => a.ruleId === 'vigil.source_down' && a.evidence.source === 'docker');
    try {
      await waitFor(() => named('vigil-before').length > 0, 20_000, 'the startup listing');

      await stopDaemon(daemon);
      await waitFor(() => dockerDown().length > 0, 15_000, 'the outage to be reported');
      daemon = await startDaemon();
      // After the restart: a new risky container, and the old one still there.
      expect(own('create', '--name', 'vigil-after', '--network', 'none', '--cap-add', 'SYS_ADMIN', TEST_IMAGE, 'sleep', '60').status).toBe(0);
      await waitFor(() => named('vigil-after').length > 0, 40_000, 'detection to resume after the restart');
      // Time for a repeated alert on the container seen before to show up.
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      vigil.child.kill('SIGTERM');
    }
    const { code } = await vigil.done;
    expect(code).toBe(0);
    expect(named('vigil-before').map((a) => a.ruleId)).toEqual(['system.container_security_options']);
    expect(named('vigil-after').map((a) => a.ruleId)).toEqual(['system.container_security_options']);
    expect(dockerDown()[0]!.summary).toMatch(/^docker source down: /);
  }, 150_000);
});
