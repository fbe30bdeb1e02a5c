// Live: real sshd, nginx and PostgreSQL on 127.0.0.1, brute-forced with wrong passwords and then
// logged in to, while `vigil detect --live --json` follows their log files: each service yields
// an attempt and a success alert; the same servers with normal logins stay quiet. A container's
// stdout carrying sshd's own lines reaches the same rule through the Docker log API.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { jsonLines, startVigil, waitFor } from '../helpers/cli.js';
import { docker, dockerAvailable, ensureTestImage, liveGate, removeContainers, TEST_IMAGE } from '../helpers/live.js';
import { freePort, httpGet, psqlLogin, serversAvailable, sshLogin, startNginx, startPostgres, startSshd, TEST_PASSWORD, TEST_USER, type RunningServer } from '../helpers/servers.js';

const live = liveGate('authentication servers (sshd, nginx, postgresql)', serversAvailable) && liveGate('docker', dockerAvailable);
const prefix = `vigil-auth-${process.pid}-`;
/** Above the threshold (5) that makes an attempt. */
const WRONG = 6;

describe.runIf(live)('brute force against real servers, live', () => {
  let dir: string;
  const servers: RunningServer[] = [];
  const ports = { ssh: 0, web: 0, postgresql: 0 };

  beforeAll(async () => {
    ensureTestImage();
    removeContainers(prefix);
    dir = mkdtempSync(join(tmpdir(), 'vigil-auth-e2e-'));
    ports.ssh = await freePort();
    ports.web = await freePort();
    ports.postgresql = await freePort();
    servers.push(await startSshd(dir, { port: ports.ssh }), await startNginx(dir, { port: ports.web }), await startPostgres(dir, { port: ports.postgresql }));
    const [ssh, web, postgresql] = servers.map((s) => s.logFile);
    writeFileSync(
      join(dir, 'profile.yaml'),
      `logs:\n  files:\n    - { path: ${ssh}, service: ssh }\n    - { path: ${web}, service: web }\n    - { path: ${postgresql}, service: postgresql }\n`,
    );
  }, 120_000);

  afterAll(async () => {
    removeContainers(prefix);
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function watch(act: () => Promise<void>): Promise<Alert[]> {
    const vigil = startVigil(['detect', '--live', '--json', '--duration', '600', '--profile', join(dir, 'profile.yaml')]);
    // The log files are followed from their end: wait until the source is up before acting.
    await new Promise((r) => setTimeout(r, 2500));
    await act();
    await new Promise((r) => setTimeout(r, 2000));
    vigil.child.kill('SIGTERM');
    const result = await vigil.done;
    expect(result.code).toBe(0);
    return jsonLines<Alert>(result.stdout).filter((a) => a.ruleId === 'user.brute_force');
  }

  const summary = (alerts: Alert[]) =>
    alerts.map((a) => [a.evidence.service, a.evidence.outcome, a.evidence.sourceIp, a.severity, a.evidence.outcome === 'success' ? a.evidence.user : '']).sort();

  it('raises an attempt and then a success for ssh, web and postgresql', { timeout: 180_000 }, async () => {
    const alerts = await watch(async () => {
      for (let i = 0; i < WRONG; i++) {
        expect(await sshLogin(ports.ssh, TEST_USER, `wrong-${i}`)).toBe(false);
        expect(await httpGet(ports.web, '/', TEST_USER, `wrong-${i}`)).toBe(401);
        expect(psqlLogin(ports.postgresql, TEST_USER, `wrong-${i}`)).toBe(false);
      }
      expect(await sshLogin(ports.ssh, TEST_USER, TEST_PASSWORD)).toBe(true);
      expect(await httpGet(ports.web, '/', TEST_USER, TEST_PASSWORD)).toBe(200);
      expect(psqlLogin(ports.postgresql, TEST_USER, TEST_PASSWORD)).toBe(true);
    });
    expect(summary(alerts)).toEqual([
      ['postgresql', 'attempt', '127.0.0.1', 'medium', ''],
      ['postgresql', 'success', '127.0.0.1', 'high', TEST_USER],
      ['ssh', 'attempt', '127.0.0.1', 'medium', ''],
      ['ssh', 'success', '127.0.0.1', 'high', TEST_USER],
      ['web', 'attempt', '127.0.0.1', 'medium', ''],
      ['web', 'success', '127.0.0.1', 'high', TEST_USER],
    ]);
    expect(alerts.every((a) => a.container === undefined)).toBe(true);
  });

  it('stays quiet on normal logins, with the odd mistyped password', { timeout: 180_000 }, async () => {
    const alerts = await watch(async () => {
      expect(await sshLogin(ports.ssh, TEST_USER, 'typo')).toBe(false);
      for (let i = 0; i < 3; i++) {
        expect(await sshLogin(ports.ssh, TEST_USER, TEST_PASSWORD)).toBe(true);
        expect(await httpGet(ports.web, '/')).toBe(401); // the browser's first request, before credentials
        expect(await httpGet(ports.web, '/', TEST_USER, TEST_PASSWORD)).toBe(200);
        expect(psqlLogin(ports.postgresql, TEST_USER, TEST_PASSWORD)).toBe(true);
      }
    });
    expect(alerts).toEqual([]);
  });

  it('reads a container\'s stdout through the Docker log API and names the container', { timeout: 120_000 }, async () => {
    // busybox cannot run sshd: the container prints the lines the real sshd wrote above.
    const lines = [
      ...Array.from({ length: WRONG }, (_, i) => `Failed password for ${TEST_USER} from 192.0.2.77 port ${40000 + i} ssh2`),
      `Accepted password for ${TEST_USER} from 192.0.2.77 port 40100 ssh2`,
    ];
    const alerts = await watch(async () => {
      docker('run', '-d', '--name', `${prefix}sshd`, '--network', 'none', TEST_IMAGE, 'sh', '-c', `sleep 1; printf '${lines.join('\\n')}\\n'; sleep 30`);
      await waitFor(() => docker('logs', `${prefix}sshd`).includes('Accepted'), 20_000, 'the container output');
    });
    expect(summary(alerts)).toEqual([
      ['ssh', 'attempt', '192.0.2.77', 'medium', ''],
      ['ssh', 'success', '192.0.2.77', 'high', TEST_USER],
    ]);
    expect(alerts.map((a) => a.container?.name)).toEqual([`${prefix}sshd`, `${prefix}sshd`]);
  });
});
