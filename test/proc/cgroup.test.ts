// Container attribution from /proc/PID/cgroup: files captured on this host (cgroup v1, docker's
// cgroupfs driver), realistic lines of every runtime's scheme, and a live container.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerFromCgroup, readContainerOf } from '../../src/sources/proc/cgroup.js';
import { readProcess } from '../../src/sources/proc/process.js';
import { docker, dockerAvailable, ensureTestImage, liveGate, removeContainers, TEST_IMAGE } from '../helpers/live.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/proc');
const TREE = join(FIXTURES, 'tree');
const captured = (name: string) => readFileSync(join(FIXTURES, 'cgroup', name), 'utf8');
// The container capture.sh ran (pid 1660 in the tree).
const CAPTURED_ID = '213bc913a289967296a5d12986581dc77274fbe0cc8b4920472f71c3f6cd4c89';

const ID = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const INNER = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const POD_UID = '0f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8';
const POD_SLICE_UID = POD_UID.replaceAll('-', '_');

/** A cgroup v1 file: the same path under several hierarchies, as runtimes create them. */
const v1 = (path: string) => ['12:pids', '11:memory', '4:cpu,cpuacct', '1:name=systemd'].map((h) => `${h}:${path}`).join('\n') + '\n';
/** A cgroup v2 file: one line. */
const v2 = (path: string) => `0::${path}\n`;

describe('containerFromCgroup on files captured here', () => {
  it('finds the docker container of a container process (cgroupfs driver: /docker/<id> on every line)', () => {
    expect(containerFromCgroup(captured('docker-cgroupfs-container.txt'))).toEqual({ runtime: 'docker', id: CAPTURED_ID });
  });

  it('places containerd-shim and dockerd on the host (this host puts them in /process_api/<32 hex> for memory)', () => {
    expect(containerFromCgroup(captured('containerd-shim.txt'))).toBeUndefined();
    expect(containerFromCgroup(captured('dockerd.txt'))).toBeUndefined();
  });

  it('reads /proc/PID/cgroup of a captured tree, undefined for host and vanished pids', () => {
    expect(readContainerOf(1660, TREE)).toEqual({ runtime: 'docker', id: CAPTURED_ID });
    expect(readContainerOf(1560, TREE)).toBeUndefined();
    expect(readContainerOf(999_999, TREE)).toBeUndefined();
  });
});

describe('containerFromCgroup on each runtime scheme', () => {
  it.each([
    ['docker, cgroupfs, v1', v1(`/docker/${ID}`), 'docker'],
    ['docker, systemd, v1', v1(`/system.slice/docker-${ID}.scope`), 'docker'],
    ['docker, systemd, v2', v2(`/system.slice/docker-${ID}.scope`), 'docker'],
    ['docker under the kubelet, systemd', v2(`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_SLICE_UID}.slice/docker-${ID}.scope`), 'docker'],
    ['the kubelet, cgroupfs, burstable', v1(`/kubepods/burstable/pod${POD_UID}/${ID}`), 'kubernetes'],
    ['the kubelet, cgroupfs, guaranteed (no QoS level)', v1(`/kubepods/pod${POD_UID}/${ID}`), 'kubernetes'],
    ['containerd, systemd', v2(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${POD_SLICE_UID}.slice/cri-containerd-${ID}.scope`), 'containerd'],
    ['containerd on cgroupfs under a systemd kubelet', v1(`/system.slice/containerd.service/kubepods-burstable-pod${POD_SLICE_UID}.slice:cri-containerd:${ID}`), 'containerd'],
    ['cri-o, systemd', v2(`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_SLICE_UID}.slice/crio-${ID}.scope`), 'cri-o'],
    ['cri-o, cgroupfs', v1(`/kubepods/besteffort/pod${POD_UID}/crio-${ID}`), 'cri-o'],
    ['podman, root', v2(`/machine.slice/libpod-${ID}.scope`), 'podman'],
    ['podman, with its inner container cgroup', v2(`/machine.slice/libpod-${ID}.scope/container`), 'podman'],
    ['podman, rootless (under the user slice)', v2(`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`), 'podman'],
    ['containerd alone (nerdctl), systemd', v2(`/system.slice/nerdctl-${ID}.scope`), 'containerd'],
    ['containerd alone (ctr, nerdctl), cgroupfs, default namespace', v1(`/default/${ID}`), 'containerd'],
    ['systemd inside a docker container', v2(`/docker/${ID}/init.scope`), 'docker'],
    ['read from inside another cgroup namespace', v2(`/../../system.slice/docker-${ID}.scope`), 'docker'],
  ])('%s', (_scheme, text, runtime) => {
    expect(containerFromCgroup(text)).toEqual({ runtime, id: ID });
  });

  it('resolves nested containers to the outermost: the one this host runtime knows', () => {
    expect(containerFromCgroup(v1(`/docker/${ID}/docker/${INNER}`))).toEqual({ runtime: 'docker', id: ID });
    // A kind node: the kubelet runs inside a docker container.
    expect(containerFromCgroup(v1(`/docker/${ID}/kubepods/besteffort/pod${POD_UID}/${INNER}`))).toEqual({ runtime: 'docker', id: ID });
  });

  it('takes the container from whichever line names one (a hybrid host with an unused v2 line)', () => {
    expect(containerFromCgroup(`4:memory:/docker/${ID}\n0::/\n`)).toEqual({ runtime: 'docker', id: ID });
  });

  it.each([
    ['the root', v1('/')],
    ['a login session', v2('/user.slice/user-1000.slice/session-3.scope')],
    ['systemd itself', v2('/init.scope')],
    ['dockerd', v2('/system.slice/docker.service')],
    ['containerd and its shims', v2('/system.slice/containerd.service')],
    ["cri-o's conmon", v2(`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${POD_SLICE_UID}.slice/crio-conmon-${ID}.scope`)],
    ["podman's conmon", v2(`/machine.slice/libpod-conmon-${ID}.scope`)],
    ['a GitHub Actions job', v1(`/actions_job/${ID}`)],
    ['a bare id under no known parent', v2(`/somewhere/${ID}`)],
    ['a bare id under a nested "default" directory', v2(`/somewhere/default/${ID}`)],
    ['a short id', v1('/docker/3e442b03db4f')],
    ['an empty file', ''],
  ])('%s is not a container', (_what, text) => {
    expect(containerFromCgroup(text)).toBeUndefined();
  });
});

const live = liveGate('docker', dockerAvailable);
const prefix = `vigil-proc-cgroup-${process.pid}-`;

describe.runIf(live)('readContainerOf, live', () => {
  beforeAll(() => {
    ensureTestImage();
    removeContainers(prefix);
  });
  afterAll(() => removeContainers(prefix));

  it('names the container of its main process, and the shim that runs it as host', () => {
    const id = docker('run', '-d', '--name', `${prefix}sleep`, '--network', 'none', TEST_IMAGE, 'sleep', '60');
    const pid = Number(docker('inspect', '-f', '{{.State.Pid}}', id));
    expect(readContainerOf(pid)).toEqual({ runtime: 'docker', id });
    const shim = readProcess(pid)!.ppid;
    expect(readProcess(shim)?.comm).toMatch(/^containerd-shim/);
    expect(readContainerOf(shim)).toBeUndefined();
  });
});
