// Live: dockerd "going away" and coming back, through a unix-socket proxy in front of the real
// dockerd. Closing the proxy is what vigil sees when dockerd stops; reopening it, dockerd restarting.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import type { VigilEvent } from '../../src/engine/events.js';
import { readRecording } from '../../src/recording/reader.js';
import { jsonLines, startVigil, waitFor } from '../helpers/cli.js';
import { DockerProxy } from '../helpers/docker-proxy.js';
import { docker, dockerAvailable, ensureTestImage, liveGate, removeContainers, TEST_IMAGE } from '../helpers/live.js';

const live = liveGate('docker', dockerAvailable);
const prefix = `vigil-reconnect-${process.pid}-`;

describe.runIf(live)('docker source reconnects, live', () => {
  let dir: string;
  beforeAll(() => {
    ensureTestImage();
    removeContainers(prefix);
    dir = mkdtempSync(join(tmpdir(), 'vigil-reconnect-'));
  });
  afterAll(() => {
    removeContainers(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports dockerd going away, reconnects, resynchronises, and does not repeat alerts', async () => {
    const proxy = new DockerProxy(join(dir, 'docker.sock'));
    await proxy.open();
    docker('create', '--name', `${prefix}before`, '--network', 'none', '--privileged', TEST_IMAGE, 'sleep', '60');
    docker('create', '--name', `${prefix}vanishes`, '--network', 'none', TEST_IMAGE, 'sleep', '60');
    const recording = join(dir, 'run.jsonl');
    const vigil = startVigil(['detect', '--json', '--duration', '15', '--record', recording], { DOCKER_HOST: proxy.host });
    const alerts = () => jsonLines<Alert>(vigil.stdout());
    await waitFor(() => alerts().some((a) => a.container?.name === `${prefix}before`), 15_000, 'the startup listing');

    await proxy.close();
    await waitFor(() => alerts().some((a) => a.ruleId === 'vigil.source_down'), 10_000, 'the outage to be reported');
    // What happens while vigil cannot see dockerd:
    docker('create', '--name', `${prefix}during`, '--network', 'none', '--cap-add', 'SYS_ADMIN', TEST_IMAGE, 'sleep', '60');
    docker('rm', `${prefix}vanishes`);
    await new Promise((r) => setTimeout(r, 1500)); // a few failed retries
    await proxy.open();
    await waitFor(() => alerts().some((a) => a.container?.name === `${prefix}during`), 20_000, 'the resync after reconnecting');

    vigil.child.kill('SIGTERM');
    const result = await vigil.done;
    await proxy.close();
    expect(result.code).toBe(0);
    // Other suites run beside this one: only this test's containers and the docker source's health count.
    const mine = jsonLines<Alert>(result.stdout).filter(
      (a) => a.container?.name.startsWith(prefix) || (a.ruleId === 'vigil.source_down' && a.evidence.source === 'docker'),
    );
    expect(mine.map((a) => `${a.ruleId} ${a.container?.name ?? a.evidence.source}`)).toEqual([
      `system.container_security_options ${prefix}before`,
      'vigil.source_down docker',
      `system.container_security_options ${prefix}during`,
    ]);

    // The recording tells the whole story: down, up again, and the vanished container destroyed.
    const events: VigilEvent[] = [];
    for await (const e of (await readRecording(recording)).events) events.push(e);
    const statuses = events.flatMap((e) => (e.kind === 'source.status' && e.data.source === 'docker' ? [e.data.state] : []));
    expect(statuses).toEqual(['up', 'down', 'up']);
    const vanishedId = events.find((e) => e.kind === 'container.snapshot' && e.data.container.name === `${prefix}vanishes`)!;
    expect(
      events.some(
        (e) => e.kind === 'container.lifecycle' && e.data.action === 'destroy' && vanishedId.kind === 'container.snapshot' && e.data.id === vanishedId.data.container.id,
      ),
    ).toBe(true);
  }, 60_000);
});
