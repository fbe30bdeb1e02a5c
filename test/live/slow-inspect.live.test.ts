// Live: on a loaded host dockerd answers inspects slowly, and a new container's first processes
// reach vigil (through /proc, and audit) before Docker has described the container. A proxy in
// front of the real dockerd holds inspect answers for 2 s, longer than a /proc scan takes to see
// a process. The process must still be judged against its image's whitelist, and the alert must
// name the container, live and in the replay of the recording; a container gone by the time it
// is described is no fault of any source.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { jsonLines, runVigil, startVigil, waitFor, type CliResult } from '../helpers/cli.js';
import { DockerProxy } from '../helpers/docker-proxy.js';
import { docker, dockerAvailable, ensureTestImage, liveGate, removeContainers, TEST_IMAGE } from '../helpers/live.js';

const live = liveGate('docker as root', () => (process.getuid?.() === 0 ? dockerAvailable() : { ok: false, reason: 'not running as root: /proc of container processes is unreadable' }));
const prefix = `vigil-slow-${process.pid}-`;
const IMAGE = `vigil-test/busybox:slow${process.pid}`;
/** The docker CLI without blocking this process, whose event loop runs the proxy. */
const dockerCli = (...args: string[]) => promisify(execFile)('docker', args, { timeout: 60_000 });

describe.runIf(live)('containers described late by a slow dockerd, live', () => {
  let dir: string;
  let proxy: DockerProxy;
  let result: CliResult;
  const args = () => ['detect', '--json', '--profile', join(dir, 'profile.yaml')];
  const recording = () => join(dir, 'slow.jsonl');
  const abnormal = (stdout: string) => jsonLines<Alert>(stdout).filter((a) => a.ruleId === 'system.container_abnormal_process' && a.evidence.image === IMAGE);

  beforeAll(async () => {
    ensureTestImage();
    removeContainers(prefix);
    docker('tag', TEST_IMAGE, IMAGE);
    dir = mkdtempSync(join(tmpdir(), 'vigil-slow-'));
    writeFileSync(join(dir, 'profile.yaml'), `processWhitelist:\n  "${IMAGE}": [sh]\n`);
    proxy = new DockerProxy(join(dir, 'docker.sock'), { inspectDelayMs: 2000 });
    await proxy.open();
    const vigil = startVigil([...args(), '--live', '--duration', '40', '--record', recording(), '--state', join(dir, 'state.json')], {
      DOCKER_HOST: proxy.host,
    });
    // vigil is watching once a container created before it is reported from the startup listing.
    await dockerCli('create', '--name', `${prefix}ready`, '--network', 'none', '--cap-add', 'SYS_ADMIN', TEST_IMAGE, 'true');
    await waitFor(() => jsonLines<Alert>(vigil.stdout()).some((a) => a.container?.name === `${prefix}ready`), 30_000, 'the startup listing');
    // Gone (--rm) before its start is described: its log can no longer be followed.
    await dockerCli('run', '--rm', '--name', `${prefix}brief`, '--network', 'none', TEST_IMAGE, 'sh', '-c', 'sleep 1');
    await dockerCli('run', '-d', '--name', `${prefix}web`, '--network', 'none', IMAGE, 'sh', '-c', 'sleep 6; true');
    // Its absence is what the first test reports.
    await waitFor(() => abnormal(vigil.stdout()).length > 0, 15_000).catch(() => {});
    await new Promise((r) => setTimeout(r, 3000)); // the brief container's start, described late
    vigil.child.kill('SIGTERM');
    result = await vigil.done;
  }, 90_000);

  afterAll(async () => {
    await proxy?.close();
    removeContainers(prefix);
    docker('rmi', IMAGE);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('judges a first process against the image whitelist and names the container, live and replayed', async () => {
    expect(result.code).toBe(0);
    const alerts = abnormal(result.stdout);
    expect(alerts.map((a) => [a.container?.name, a.container?.image, a.evidence.name])).toEqual([[`${prefix}web`, IMAGE, 'sleep']]);
    const replayed = await runVigil([...args(), '--replay', recording()]);
    expect(abnormal(replayed.stdout)).toEqual(alerts);
  });

  it('does not report a source down for a container that was gone before its log could be followed', () => {
    expect(jsonLines<Alert>(result.stdout).filter((a) => a.ruleId === 'vigil.source_down').map((a) => a.summary)).toEqual([]);
  });
});
