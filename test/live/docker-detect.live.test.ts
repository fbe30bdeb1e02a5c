// Live: real containers on the real dockerd, watched by `vigil detect --live --json`, then the
// recording of that run replayed to the identical alerts.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { jsonLines, runVigil, startVigil, waitFor } from '../helpers/cli.js';
import { docker, dockerAvailable, ensureTestImage, liveGate, removeContainers, TEST_IMAGE } from '../helpers/live.js';

const live = liveGate('docker', dockerAvailable);
const prefix = `vigil-live-${process.pid}-`;
const BLOCKED = `registry.example/vigil-live-miner-${process.pid}:1`;
let dir: string;

const byContainer = (alerts: Alert[], name: string) =>
  alerts
    .filter((a) => a.container?.name === prefix + name)
    .map((a) => a.ruleId)
    .sort();

describe.runIf(live)('docker source, live', () => {
  beforeAll(() => {
    ensureTestImage();
    removeContainers(prefix);
    docker('tag', TEST_IMAGE, BLOCKED);
    dir = mkdtempSync(join(tmpdir(), 'vigil-live-'));
    writeFileSync(join(dir, 'profile.yaml'), `blockedImages: ["registry.example/vigil-live-miner-*"]\n`);
  });

  afterAll(() => {
    removeContainers(prefix);
    docker('rmi', BLOCKED);
    rmSync(dir, { recursive: true, force: true });
  });

  it('alerts on every risky container, at startup and as they are created, and replays identically', async () => {
    const run = (name: string, ...opts: string[]) => docker('run', '-d', '--name', prefix + name, ...opts, TEST_IMAGE, 'sleep', '60');
    const create = (name: string, ...opts: string[]) => docker('create', '--name', prefix + name, ...opts, TEST_IMAGE, 'sleep', '60');
    // Present before vigil starts: found by the startup listing.
    run('pre-sock', '--network', 'none', '-v', '/var/run/docker.sock:/var/run/docker.sock');
    const recording = join(dir, 'live.jsonl.gz');
    const vigil = startVigil(['detect', '--live', '--json', '--duration', '12', '--profile', join(dir, 'profile.yaml'), '--record', recording]);
    await waitFor(() => vigil.stdout().includes(`"name":"${prefix}pre-sock"`), 15_000, 'the startup listing');

    // Created while vigil watches: found through the event stream.
    create('privileged', '--network', 'none', '--privileged'); // cannot start on these machines: a finding on create
    run('sysadmin', '--network', 'none', '--cap-add', 'SYS_ADMIN');
    run('seccomp', '--network', 'none', '--security-opt', 'seccomp=unconfined', '--security-opt', 'no-new-privileges:false');
    run('etc', '--network', 'none', '-v', '/etc:/host-etc:ro', '-v', '/etc/hosts:/etc/hosts:ro');
    run('pidhost', '--network', 'host', '--pid', 'host', '--ipc', 'host');
    docker('run', '-d', '--name', `${prefix}blocked`, '--network', 'none', BLOCKED, 'sleep', '60');
    run('hardened', '--network', 'none', '--cap-drop', 'ALL', '--read-only', '--security-opt', 'no-new-privileges:true', '--user', '1000:1000');
    run('plain', '--network', 'none', '-v', `${dir}:/data`);
    docker('rename', `${prefix}plain`, `${prefix}plain2`);
    docker('rm', '-f', `${prefix}sysadmin`);

    const result = await vigil.done;
    expect(result.code).toBe(0);
    const alerts = jsonLines<Alert>(result.stdout);

    expect(byContainer(alerts, 'pre-sock')).toEqual(['system.container_mounts']);
    expect(byContainer(alerts, 'privileged')).toEqual(['system.container_security_options']);
    expect(byContainer(alerts, 'sysadmin')).toEqual(['system.container_security_options']);
    expect(byContainer(alerts, 'seccomp')).toEqual(['system.container_security_options']);
    expect(byContainer(alerts, 'etc')).toEqual(['system.container_mounts']);
    expect(byContainer(alerts, 'pidhost')).toEqual(['system.container_namespaces']);
    expect(byContainer(alerts, 'blocked')).toEqual(['system.image_blocked']);
    expect(byContainer(alerts, 'hardened')).toEqual([]);
    expect(alerts.filter((a) => a.container?.name.startsWith(`${prefix}plain`))).toEqual([]);

    const find = (name: string) => alerts.find((a) => a.container?.name === prefix + name)!;
    expect(find('privileged').evidence.findings).toEqual(['privileged:true']);
    expect(find('sysadmin').evidence.findings).toEqual(['capabilities:[SYS_ADMIN]']);
    expect(find('seccomp').evidence.findings).toEqual(['seccomp=unconfined', 'no-new-privileges:false']);
    expect(find('etc').evidence.mounts).toEqual([{ source: '/etc', destination: '/host-etc', rw: false, reason: 'dangerous host path (/etc)' }]);
    expect(find('pidhost').evidence.findings).toEqual(['pid=host', 'network=host', 'ipc=host']);
    expect(find('pre-sock').severity).toBe('critical');

    // The recording replays to the same alerts, ids included, and is private to its owner.
    expect(statSync(recording).mode & 0o777).toBe(0o600);
    const replay = await runVigil(['detect', '--replay', recording, '--json', '--profile', join(dir, 'profile.yaml')]);
    expect(replay.code).toBe(0);
    expect(replay.stderr).toBe('');
    expect(jsonLines<Alert>(replay.stdout)).toEqual(alerts);
  }, 60_000);

  it('with enforce: true stops a container of a blocked image and says so', async () => {
    writeFileSync(join(dir, 'enforce.yaml'), `blockedImages: ["registry.example/vigil-live-miner-*"]\nenforce: true\n`);
    const vigil = startVigil(['detect', '--live', '--json', '--duration', '8', '--profile', join(dir, 'enforce.yaml')]);
    await waitFor(() => vigil.stdout().includes(`"name":"${prefix}blocked"`), 15_000, 'the startup listing');
    const name = `${prefix}enforced`;
    docker('run', '-d', '--name', name, '--network', 'none', BLOCKED, 'sleep', '60');
    await waitFor(() => docker('inspect', '-f', '{{.State.Running}}', name) === 'false', 15_000, 'vigil to stop the container');
    const alerts = jsonLines<Alert>((await vigil.done).stdout).filter((a) => a.container?.name === name);
    expect(alerts.map((a) => a.ruleId)).toEqual(['system.image_blocked', 'vigil.enforcement']);
    expect(alerts[1]).toMatchObject({ severity: 'low', evidence: { action: 'stop', ok: true } });
  }, 60_000);

  it('does not stop anything without enforce, and never writes to the Docker API', async () => {
    const name = `${prefix}not-enforced`;
    const vigil = startVigil(['detect', '--live', '--json', '--duration', '4', '--profile', join(dir, 'profile.yaml')]);
    await waitFor(() => vigil.stdout().includes(`"name":"${prefix}blocked"`), 15_000, 'the startup listing');
    docker('run', '-d', '--name', name, '--network', 'none', BLOCKED, 'sleep', '60');
    await vigil.done;
    expect(docker('inspect', '-f', '{{.State.Running}}', name)).toBe('true');
  }, 60_000);
});
