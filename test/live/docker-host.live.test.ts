// Live: `vigil record` against the real dockerd reached over a tcp:// DOCKER_HOST (a loopback
// proxy in front of its socket), as on a node whose daemon listens on TCP. The recording holds the
// container's snapshot with its environment values redacted (kept only with --keep-env-values),
// and replays to the alert the container deserves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import type { ContainerSnapshot, VigilEvent } from '../../src/engine/events.js';
import { readRecording } from '../../src/recording/reader.js';
import { jsonLines, runVigil } from '../helpers/cli.js';
import { DockerProxy } from '../helpers/docker-proxy.js';
import { docker, dockerAvailable, ensureTestImage, liveGate, removeContainers, TEST_IMAGE } from '../helpers/live.js';

const live = liveGate('docker', dockerAvailable);
const prefix = `vigil-tcp-${process.pid}-`;

async function snapshotsIn(file: string): Promise<ContainerSnapshot[]> {
  const found: ContainerSnapshot[] = [];
  for await (const e of (await readRecording(file)).events as AsyncIterable<VigilEvent>) {
    if (e.kind === 'container.snapshot' && e.data.container.name.startsWith(prefix)) found.push(e.data.container);
  }
  return found;
}

describe.runIf(live)('vigil record over a tcp:// DOCKER_HOST, live', () => {
  let dir: string;
  const proxy = new DockerProxy('tcp');
  beforeAll(async () => {
    ensureTestImage();
    removeContainers(prefix);
    dir = mkdtempSync(join(tmpdir(), 'vigil-tcp-'));
    await proxy.open();
    docker('create', '--name', `${prefix}secret`, '--network', 'none', '--cap-add', 'SYS_ADMIN', '-e', 'API_TOKEN=hunter2', TEST_IMAGE, 'true');
  });
  afterAll(async () => {
    await proxy.close();
    removeContainers(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it('records the containers with environment values redacted, and the recording replays to their alerts', async () => {
    expect(proxy.host).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    const file = join(dir, 'tcp.jsonl.gz');
    const env = { DOCKER_HOST: proxy.host, HOME: dir, XDG_STATE_HOME: dir };
    const recorded = await runVigil(['record', file, '--duration', '3'], env);
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(recorded.stderr).toMatch(new RegExp(`vigil: recorded to ${file.replace(/[.]/g, '\\.')} \\(\\d+ alerts? raised while recording\\)`));
    const [snapshot] = await snapshotsIn(file);
    expect(snapshot?.env).toContain('API_TOKEN=<redacted>');

    const replayed = await runVigil(['detect', '--replay', file, '--json']);
    expect(replayed.code).toBe(0);
    const mine = jsonLines<Alert>(replayed.stdout).filter((a) => a.container?.name === `${prefix}secret`);
    expect(mine.map((a) => a.ruleId)).toEqual(['system.container_security_options']);

    const kept = join(dir, 'kept.jsonl');
    expect((await runVigil(['record', kept, '--duration', '2', '--keep-env-values'], env)).code).toBe(0);
    expect((await snapshotsIn(kept))[0]?.env).toContain('API_TOKEN=hunter2');
  }, 60_000);
});
