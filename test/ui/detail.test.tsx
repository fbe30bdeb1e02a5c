import { beforeAll, describe, expect, it, vi } from 'vitest';
// Colours on, before Ink's chalk loads: highlighting is part of what the frames must show.
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});
import type { ReactElement } from 'react';
import { render } from 'ink-testing-library';
import type { Alert } from '../../src/engine/alert.js';
import type { ContainerSnapshot, VigilEvent } from '../../src/engine/events.js';
import type { Profile } from '../../src/engine/profile.js';
import { compileMountClassifier } from '../../src/engine/rules/container-mounts.js';
import { catalogue } from '../../src/engine/rules/index.js';
import { loadProfile } from '../../src/profile/load.js';
import { alertContext, type AlertContext } from '../../src/ui/model/alert-context.js';
import { EventWindow } from '../../src/ui/model/event-window.js';
import { eventLines } from '../../src/ui/views/detail/events.js';
import { kubernetesLines } from '../../src/ui/views/detail/kubernetes.js';
import { Lines, type Viewport } from '../../src/ui/views/detail/lines.js';
import { mountLines } from '../../src/ui/views/detail/mounts.js';
import { nextSteps } from '../../src/ui/views/detail/next-steps.js';
import { optionLines } from '../../src/ui/views/detail/options.js';
import { processTreeLines, type BootClock } from '../../src/ui/views/detail/process-tree.js';
import { summaryLines } from '../../src/ui/views/detail/summary.js';
import { detailTabs, TabBar } from '../../src/ui/views/detail/tabs.js';
import { runEngine, snapshotEvent, snapshotFixture } from '../helpers/engine.js';
import { CONTAINER, procSnapshot, tcp } from '../helpers/kernel-events.js';

// Each tab as the detail view shows it: the tab's lines through <Lines>.
type TabProps = { context: AlertContext } & Viewport;
const SummaryTab = ({ context, ...view }: TabProps) => <Lines lines={summaryLines(context, { width: view.width })} {...view} />;
const ProcessTreeTab = ({ context, clock, ...view }: TabProps & { clock?: BootClock }) => (
  <Lines lines={processTreeLines(context, clock ? { clock } : {})} {...view} />
);
const MountsTab = ({ context, profile, ...view }: TabProps & { profile: Profile }) => <Lines lines={mountLines(context, { profile })} {...view} />;
const OptionsTab = ({ context, profile, ...view }: TabProps & { profile: Profile }) => <Lines lines={optionLines(context, { profile })} {...view} />;
const EventsTab = ({ context, ...view }: TabProps) => <Lines lines={eventLines(context)} {...view} />;
const KubernetesTab = ({ context, ...view }: TabProps) => <Lines lines={kubernetesLines(context)} {...view} />;

const HOSTILE = 'x\x1b]0;pwned\x07\x1b[2J\u202eevil';
const SGR = /\x1b\[[0-9;]*m/g;

let profile: Profile;
beforeAll(async () => {
  profile = await loadProfile();
});

/** The engine run over the events, the window filled with the same ones, one alert's context. */
function contextFor(events: VigilEvent[], ruleId: string, window = windowOf(events)): AlertContext {
  const { alerts, engine } = runEngine(events, profile);
  const alert = alerts.find((a) => a.ruleId === ruleId);
  if (!alert) throw new Error(`no ${ruleId} alert among ${alerts.map((a) => a.ruleId).join(', ')}`);
  return alertContext(alert, engine, window);
}

function windowOf(events: VigilEvent[]): EventWindow {
  const window = new EventWindow(100);
  for (const e of events) window.add(e);
  return window;
}

function fixtureContext(fixture: string, ruleId: string, overrides: Partial<ContainerSnapshot> = {}): AlertContext {
  return contextFor([snapshotEvent(snapshotFixture(fixture, overrides))], ruleId);
}

/** The frame's lines, raw (with Ink's colour codes) and as the operator reads them. */
function frame(element: ReactElement): { raw: string[]; text: string[] } {
  const instance = render(element);
  const raw = (instance.lastFrame() ?? '').split('\n');
  instance.unmount();
  return { raw, text: raw.map((l) => l.replace(SGR, '').trimEnd()) };
}

const view = { width: 200, height: 200, scroll: 0 };

/** A container running sh -> httpd -> bash, bash's stdio on a TCP socket, with two children. */
function reverseShellEvents(container: ContainerSnapshot): VigilEvent[] {
  return [
    snapshotEvent(container, 'start', 1),
    procSnapshot({ pid: 4000, ppid: 1, startTime: 100, exe: '/usr/bin/containerd-shim-runc-v2', containerId: undefined }),
    procSnapshot({ pid: 4100, ppid: 4000, startTime: 200, exe: '/bin/sh', cmdline: ['sh', '-c', 'httpd -f'] }),
    procSnapshot({ pid: 4200, ppid: 4100, startTime: 300, exe: '/usr/sbin/httpd', cmdline: ['httpd', '-f'] }),
    procSnapshot({ pid: 4242, ppid: 4200, startTime: 400, exe: '/bin/bash', cmdline: ['bash', '-i', HOSTILE], uid: 1000, euid: 0 }, [tcp(0), tcp(1)]),
    procSnapshot({ pid: 4300, ppid: 4242, startTime: 500, exe: '/bin/cat', cmdline: ['cat', '/etc/passwd'] }),
    procSnapshot({ pid: 4301, ppid: 4242, startTime: 510, exe: '/bin/ls', cmdline: ['ls'] }),
    { seq: 900, ts: '2026-11-27T10:00:01Z', source: 'proc', kind: 'process.exit', data: { pid: 4301, startTime: 510 } },
  ];
}

function hostileContainer(): ContainerSnapshot {
  const base = snapshotFixture('plain');
  return {
    ...base,
    id: CONTAINER,
    name: `web${HOSTILE}`,
    image: `img${HOSTILE}:1`,
    labels: { ...base.labels, note: HOSTILE },
    env: [...base.env, `${HOSTILE}=<redacted>`],
    mounts: [...base.mounts, { type: 'bind', source: `/srv/${HOSTILE}`, destination: '/data', rw: true, propagation: 'rprivate' }],
  };
}

describe('process tree tab', () => {
  it('draws the ancestry and children as a tree, the offender marked, exited children dimmed', () => {
    const context = contextFor(reverseShellEvents(hostileContainer()), 'system.reverse_shell');
    const { raw, text } = frame(<ProcessTreeTab context={context} {...view} />);
    expect(text[0]).toMatch(/^\s+PID\s+USER\s+STARTED\s+COMMAND$/);
    // Fixed columns: marker, pid, user, start, then the tree and the command.
    const columns = (l: string) => [l[0], l.slice(2, 9).trim(), l.slice(11, 22).trim(), l.slice(22, 44).trim(), l.slice(44)];
    expect(text.slice(1).map(columns)).toEqual([
      [' ', '4000', 'root', 'boot+00:00:01', '/usr/bin/containerd-shim-runc-v2'],
      [' ', '4100', 'root', 'boot+00:00:02', "└─ /bin/sh  sh -c 'httpd -f'"],
      [' ', '4200', 'root', 'boot+00:00:03', '   └─ /usr/sbin/httpd  httpd -f'],
      ['▶', '4242', '1000→root', 'boot+00:00:04', "      └─ /bin/bash  bash -i 'x\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil'"],
      [' ', '4300', 'root', 'boot+00:00:05', '         ├─ /bin/cat  cat /etc/passwd'],
      [' ', '4301', 'root', 'boot+00:00:05', '         └─ /bin/ls  ls  (exited)'],
    ]);
    const offender = raw.find((l) => l.includes('▶'))!;
    expect(offender).toContain('\x1b[31m');
    expect(offender).toContain('\x1b[1m');
    expect(raw.find((l) => l.includes('(exited)'))).toContain('\x1b[2m');
    expect(raw.find((l) => l.includes('/bin/cat'))).not.toMatch(/\x1b\[(2|31)m/);
  });

  it('shows start times as dates when given the boot clock', () => {
    const context = contextFor(reverseShellEvents(hostileContainer()), 'system.reverse_shell');
    const clock = { bootTimeMs: Date.parse('2026-11-27T09:00:00Z'), ticksPerSecond: 100 };
    const { text } = frame(<ProcessTreeTab context={context} clock={clock} {...view} />);
    expect(text.find((l) => l.includes('4242'))).toContain('2026-11-27T09:00:04Z');
  });

  it("says why there is no tree: a configuration alert, or a process vigil's table no longer holds", () => {
    const config = fixtureContext('privileged', 'system.container_security_options');
    expect(frame(<ProcessTreeTab context={config} {...view} />).text).toEqual([
      "this alert is about the container's configuration, not a process",
    ]);
    const events = reverseShellEvents(hostileContainer());
    const shell = contextFor(events, 'system.reverse_shell');
    const forgotten = alertContext(shell.alert, runEngine([], profile).engine, windowOf(events));
    expect(frame(<ProcessTreeTab context={forgotten} {...view} />).text).toEqual([
      "process 4242 is no longer in vigil's process table",
    ]);
  });
});

describe('mounts tab', () => {
  it.each([
    ['mount-docker-sock', '/var/run/docker.sock → /var/run/docker.sock'],
    ['mount-host-etc', '/etc → /host-etc'],
  ])('marks the dangerous mount of %s in red with the reason', (fixture, mount) => {
    const context = fixtureContext(fixture, 'system.container_mounts');
    const dangerous = context.container!.mounts.find((m) => m.type === 'bind')!;
    const reason = compileMountClassifier(profile)(dangerous)!.reason;
    const { raw, text } = frame(<MountsTab context={context} profile={profile} {...view} />);
    const at = text.findIndex((l) => l.startsWith(`! ${mount}  bind  rw`));
    expect(at).toBeGreaterThan(0);
    expect(text[0]).toMatch(/^Mounts \(\d+, 1 dangerous\)$/);
    expect(text[at + 1]).toBe(`    ${reason}`);
    expect(raw[at]).toContain('\x1b[31m');
    expect(raw[at + 1]).toContain('\x1b[31m');
  });

  it('lists harmless mounts unmarked, and the devices', () => {
    const named = frame(<MountsTab context={fixtureContext('mount-named-volume', 'system.container_security_options', { privileged: true })} profile={profile} {...view} />);
    expect(named.text[0]).toBe('Mounts (1)');
    expect(named.text[1]).toMatch(/^ {2}\/var\/lib\/docker\/volumes\/.+ → .+ {2}volume {2}rw/);
    const fuse = frame(<MountsTab context={fixtureContext('device-fuse', 'system.container_security_options', { privileged: true })} profile={profile} {...view} />);
    expect(fuse.text.slice(-2)).toEqual(['Devices (1)', '  /dev/fuse → /dev/fuse  rwm']);
  });

  it('says why there are no mounts: no container, or a container vigil holds no snapshot of', () => {
    const health = contextFor([{ seq: 1, ts: '2026-11-27T10:00:00Z', source: 'vigil', kind: 'source.status', data: { source: 'audit', state: 'down', reason: 'not root' } }], 'vigil.source_down');
    expect(frame(<MountsTab context={health} profile={profile} {...view} />).text).toEqual(['this alert is not about a container']);
    expect(frame(<OptionsTab context={health} profile={profile} {...view} />).text).toEqual(['this alert is not about a container']);
    const gone = fixtureContext('mount-docker-sock', 'system.container_mounts');
    const forgotten = { ...gone, container: undefined };
    expect(frame(<MountsTab context={forgotten} profile={profile} {...view} />).text).toEqual([
      `vigil holds no inspect snapshot of container vigil-fx-mount-docker-sock (${gone.alert.container!.id.slice(0, 12)}): removed long ago, or seen only in an audit log`,
    ]);
  });
});

describe('options tab', () => {
  const row = (text: string[], label: string) => text.find((l) => l.startsWith(label.padEnd(22)));

  it('highlights the host namespaces the namespace rule counts, and explains the ones it does not', () => {
    const pid = frame(<OptionsTab context={fixtureContext('ns-pid-host', 'system.container_namespaces')} profile={profile} {...view} />);
    expect(row(pid.text, 'pid namespace')).toMatch(/^pid namespace\s+host {2}← shared with the host$/);
    expect(pid.raw[pid.text.indexOf(row(pid.text, 'pid namespace')!)]).toContain('\x1b[31m');
    expect(row(pid.text, 'ipc namespace')).toMatch(/^ipc namespace\s+private$/);
    const net = frame(<OptionsTab context={fixtureContext('ns-net-host', 'system.container_namespaces')} profile={profile} {...view} />);
    expect(row(net.text, 'network namespace')).toMatch(/host {2}← shared with the host$/);
    // The fixtures' host runs cgroup v1: every container shares the host's cgroup namespace.
    const cgroup = frame(<OptionsTab context={fixtureContext('ns-cgroup-host', 'system.container_security_options', { privileged: true })} profile={profile} {...view} />);
    expect(row(cgroup.text, 'cgroup namespace')).toMatch(/host \(as every container on cgroup v1\)$/);
  });

  it('shows privileges, capabilities, confinement and the user as the rules judge them', () => {
    const privileged = frame(<OptionsTab context={fixtureContext('privileged', 'system.container_security_options')} profile={profile} {...view} />);
    expect(row(privileged.text, 'privileged')).toMatch(/^privileged\s+yes$/);
    expect(row(privileged.text, 'user')).toMatch(/root \(the image sets no user\)$/);
    const caps = frame(<OptionsTab context={fixtureContext('cap-net-admin-ptrace', 'system.container_security_options')} profile={profile} {...view} />);
    expect(row(caps.text, 'capabilities added')).toMatch(/NET_ADMIN, SYS_PTRACE {2}\(high risk: NET_ADMIN, SYS_PTRACE\)$/);
    const seccomp = frame(<OptionsTab context={fixtureContext('seccomp-unconfined', 'system.container_security_options')} profile={profile} {...view} />);
    expect(row(seccomp.text, 'seccomp')).toMatch(/^seccomp\s+unconfined$/);
    expect(row(seccomp.text, 'AppArmor')).toMatch(/default profile$/);
    const hardened = fixtureContext('hardened', 'system.container_security_options', { privileged: true });
    const h = frame(<OptionsTab context={hardened} profile={profile} {...view} />);
    expect(row(h.text, 'no-new-privileges')).toMatch(/yes$/);
    expect(row(h.text, 'capabilities dropped')).toMatch(/ALL$/);
    expect(row(h.text, 'user')).toMatch(/^user\s+1000:1000$/);
    expect(row(h.text, 'read-only rootfs')).toMatch(/yes$/);
    expect(row(h.text, 'image')).toMatch(/vigil-test\/busybox:1$/);
  });

  it('lists environment names only, never values', () => {
    const context = fixtureContext('plain', 'system.container_security_options', { privileged: true, env: ['TOKEN=hunter2', 'PATH=/bin'] });
    const { text } = frame(<OptionsTab context={context} profile={profile} {...view} />);
    expect(text.slice(text.indexOf('Environment (2)') + 1, text.indexOf('Environment (2)') + 3)).toEqual(['  TOKEN', '  PATH']);
    expect(text.join('\n')).not.toContain('hunter2');
  });
});

describe('events tab', () => {
  it('shows each event as a header and pretty JSON, and notes the ones no longer in memory', () => {
    const events = [snapshotEvent(snapshotFixture('privileged'), 'create', 7)];
    const context = contextFor(events, 'system.container_security_options');
    const { text } = frame(<EventsTab context={context} {...view} />);
    expect(text[0]).toBe(`#7  ${events[0]!.ts}  docker/container.snapshot`);
    expect(text.slice(1, 4)).toEqual(['{', '  "reason": "create",', '  "container": {']);
    expect(text.at(-1)).toBe('}');
    const gone = contextFor(events, 'system.container_security_options', new EventWindow(10));
    expect(frame(<EventsTab context={gone} {...view} />).text).toEqual(['event #7 is no longer in memory']);
  });
});

describe('kubernetes tab', () => {
  it('says a container alert is not a cluster alert', () => {
    const context = fixtureContext('privileged', 'system.container_security_options');
    expect(frame(<KubernetesTab context={context} {...view} />).text).toEqual(['not a cluster alert']);
  });

  const audit = (seq: number, data: Partial<Extract<VigilEvent, { kind: 'audit'; source: 'k8s' }>['data']>): VigilEvent => ({
    seq,
    ts: '2026-11-27T10:00:00.000Z',
    source: 'k8s',
    kind: 'audit',
    data: {
      auditID: `a1b2-${seq}`,
      stage: 'ResponseComplete',
      level: 'Request',
      verb: 'create',
      requestURI: '/api/v1/namespaces/prod/pods',
      user: { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] },
      sourceIPs: ['10.0.0.7'],
      userAgent: 'kubectl/v1.30.2',
      responseStatus: { code: 201 },
      requestReceivedTimestamp: '2026-11-27T10:00:00.000000Z',
      ...data,
    },
  });

  it('shows the API request of a cluster alert', () => {
    const exec = audit(3, { requestURI: '/api/v1/namespaces/prod/pods/web-0/exec?command=sh&stdin=true&tty=true', objectRef: { resource: 'pods', subresource: 'exec', namespace: 'prod', name: 'web-0' } });
    const context = contextFor([exec], 'cluster.pod_anomaly');
    expect(frame(<KubernetesTab context={context} {...view} />).text).toEqual([
      'verb        create',
      'user        system:serviceaccount:ci:deployer',
      'resource    pods/exec',
      'object      prod/web-0',
      'pod         prod/web-0',
      'auditID     a1b2-3',
    ]);
  });

  it('lays out a created pod: host namespaces, containers with their security contexts, hostPath volumes', () => {
    const pod = {
      kind: 'Pod',
      metadata: { name: 'debug', namespace: 'prod' },
      spec: {
        hostPID: true,
        containers: [{ name: 'shell', image: 'alpine:3', securityContext: { privileged: true }, volumeMounts: [{ name: 'root', mountPath: '/host' }] }],
        initContainers: [{ name: 'init', image: 'busybox', securityContext: { capabilities: { add: ['SYS_ADMIN'], drop: ['ALL'] } } }],
        volumes: [{ name: 'root', hostPath: { path: '/' } }],
      },
    };
    const context = contextFor([audit(4, { objectRef: { resource: 'pods', namespace: 'prod', name: 'debug' }, requestObject: pod })], 'cluster.pod_anomaly');
    const { text } = frame(<KubernetesTab context={context} {...view} />);
    expect(text.slice(6, 14)).toEqual([
      '',
      'Pod prod/debug',
      'host ns     hostPID',
      'Containers',
      '  init      init  busybox  cap+ SYS_ADMIN  cap- ALL',
      '  main      shell  alpine:3  PRIVILEGED',
      'hostPath volumes',
      '  / → shell:/host',
    ]);
    expect(text).toContain('Request object');
  });

  it('shows a pod the watch saw, with no request behind it', () => {
    const snapshot: VigilEvent = {
      seq: 5,
      ts: '2026-11-27T10:00:00.000Z',
      source: 'k8s',
      kind: 'pod.snapshot',
      data: { reason: 'startup', pod: { namespace: 'prod', name: 'net', uid: 'u1', nodeName: 'node-2', serviceAccountName: 'default', annotations: {}, ownerReferences: [], hostNetwork: true, hostPID: false, hostIPC: false, containers: [], initContainers: [], ephemeralContainers: [], volumes: [], phase: 'Running' } },
    };
    const { text } = frame(<KubernetesTab context={contextFor([snapshot], 'cluster.pod_anomaly')} {...view} />);
    expect(text.slice(0, 6)).toEqual(['pod         prod/net', 'seen by the pod watch (no API request behind it)', '', 'Pod prod/net', 'node        node-2', 'account     default']);
    expect(text).toContain('host ns     hostNetwork');
  });
});

describe('summary tab', () => {
  it('shows what fired, the evidence and rule-specific next steps, wrapped to the width', () => {
    const context = fixtureContext('mount-docker-sock', 'system.container_mounts');
    const id = context.alert.container!.id.slice(0, 12);
    const { text } = frame(<SummaryTab context={context} width={80} height={200} scroll={0} />);
    expect(text[0]).toBe('Container mount directory  容器挂载目录');
    expect(text[1]).toBe('CRITICAL  system.container_mounts  ATT&CK T1611');
    expect(text[2]).toBe(`time       ${context.alert.ts}`);
    expect(text[3]).toBe(`container  vigil-fx-mount-docker-sock (${id})  image vigil-test/busybox:1`);
    expect(text).toContain('Evidence');
    expect(text).toContain('  mounts:');
    expect(text.some((l) => l.startsWith('    - {source: "/var/run/docker.sock", destination: "/var/run/docker.sock", '))).toBe(true);
    expect(text).toContain(`    $ docker inspect ${id} -f '{{json .Mounts}}'`);
    expect(text.some((l) => l.startsWith('  • The runtime socket is full control of the host'))).toBe(true);
    for (const line of text) expect(line.length).toBeLessThanOrEqual(80);
  });

  it('shows the process with its user and its quoted, escaped command line', () => {
    const context = contextFor(reverseShellEvents(hostileContainer()), 'system.reverse_shell');
    const { text } = frame(<SummaryTab context={context} {...view} />);
    expect(text).toContain("process    4242 (ppid 4200)  1000→root  /bin/bash  bash -i 'x\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil'");
    expect(text.some((l) => l.includes('Who is the peer 10.0.0.9:4444?'))).toBe(true);
    expect(text).toContain('    $ nsenter -t 4242 -n ss -tnp');
  });

  it('has specific steps for every rule of the catalogue, and quotes evidence in commands', () => {
    const alert = (ruleId: string, evidence: Record<string, unknown> = {}): Alert => ({
      id: 'x', ts: '', ruleId, category: 'system', severity: 'high', title: '', titleZh: '', summary: '', evidence, events: [],
      container: { id: CONTAINER, name: 'n', image: 'i' }, process: { pid: 7, ppid: 1, exe: '/x', cmdline: ['x'], uid: 0, euid: 0 },
    });
    const generic = nextSteps(alert('no.such_rule'));
    for (const rule of catalogue) expect(nextSteps(alert(rule.id)), rule.id).not.toEqual(generic);
    const steps = nextSteps(alert('exploit.escape_file', { hostPath: "/etc/x'; rm -rf / #" }));
    expect(steps.flatMap((s) => s.run ?? [])).toContain("ls -l --time-style=full-iso '/etc/x'\\''; rm -rf / #'");
  });
});

describe('windowing', () => {
  it('shows exactly the lines from scroll, at most height, the last page when scrolled past the end', () => {
    const context = fixtureContext('privileged', 'system.container_security_options');
    const all = eventLines(context).map((l) => l.text);
    expect(frame(<EventsTab context={context} width={200} height={6} scroll={10} />).text).toEqual(all.slice(10, 16));
    expect(frame(<EventsTab context={context} width={200} height={6} scroll={10_000} />).text).toEqual(all.slice(-6));
  });

  it('never renders more lines than the height nor wider than the width', () => {
    const context = contextFor(reverseShellEvents(hostileContainer()), 'system.reverse_shell');
    for (const tab of detailTabs) {
      const lines = tab.lines(context, { profile, width: 40 });
      for (const height of [1, 4, 30]) {
        for (const scroll of [0, 3, 500]) {
          const { text } = frame(<Lines lines={lines} width={40} height={height} scroll={scroll} />);
          expect(text.length, `${tab.id} ${height} ${scroll}`).toBeLessThanOrEqual(height);
          for (const line of text) expect(line.length).toBeLessThanOrEqual(40);
        }
      }
    }
  });

  it('cuts long lines with an ellipsis instead of wrapping them', () => {
    const { text } = frame(<Lines lines={[{ text: 'a'.repeat(50) }, { text: '' }, { text: 'b' }]} width={20} height={5} scroll={0} />);
    expect(text).toEqual([`${'a'.repeat(19)}…`, '', 'b']);
  });
});

describe('hostile strings', () => {
  it('render inert in every tab', () => {
    const context = contextFor(reverseShellEvents(hostileContainer()), 'system.reverse_shell');
    const tabs = [
      <SummaryTab context={context} {...view} />,
      <ProcessTreeTab context={context} {...view} />,
      <MountsTab context={context} profile={profile} {...view} />,
      <OptionsTab context={context} profile={profile} {...view} />,
      <EventsTab context={context} {...view} />,
      <KubernetesTab context={context} {...view} />,
    ];
    const shown: string[] = [];
    for (const tab of tabs) {
      const { raw, text } = frame(tab);
      const all = raw.join('\n');
      expect(all).not.toContain('\x1b]');
      expect(all).not.toContain('\x07');
      expect(all).not.toContain('\u202e');
      expect(text.join('\n')).not.toContain('\x1b');
      shown.push(...text);
    }
    const escaped = 'x\\x1b]0;pwned\\x07\\x1b[2J\\u202eevil';
    expect(shown.filter((l) => l.includes(escaped)).length).toBeGreaterThanOrEqual(6); // name, argv, image, label, env, mount
    expect(shown.some((l) => l.includes('x\\u001b]0;pwned\\u0007\\u001b[2J\\u202eevil'))).toBe(true); // the JSON
  });
});

describe('tab bar', () => {
  it('lists the tabs with their keys in 80 columns, the active one inverted', () => {
    const { raw, text } = frame(<TabBar active="mounts" width={80} />);
    expect(text).toEqual([' 1 Summary  2 Process tree  3 Mounts  4 Options  5 Events  6 Kubernetes']);
    expect(raw[0]).toMatch(/\x1b\[7m(\x1b\[[0-9;]*m)* 3 Mounts /);
    expect(raw[0]).not.toMatch(/\x1b\[7m(\x1b\[[0-9;]*m)* 1 Summary /);
  });
});

describe('file-based alerts in the drill-down', () => {
  it('shows a webshell with its signs and first moves, its hostile file name inert', () => {
    const container = snapshotFixture('hardened', { id: 'f00d', name: 'shop', image: 'shop:1' });
    const path = `/var/www/html/${HOSTILE}.php`;
    const change: VigilEvent = {
      seq: 2,
      ts: '2026-11-27T10:00:01.000Z',
      source: 'files',
      kind: 'file.change',
      data: { containerId: 'f00d', path, action: 'created', size: 40, stat: { mode: '100644', uid: 33, gid: 33 }, content: "<?php system($_GET['c']); ?>\n" },
    };
    const context = contextFor([snapshotEvent(container, 'start', 1), change], 'malware.webshell');
    const { raw, text } = frame(<SummaryTab context={context} {...view} />);
    const shown = text.join('\n');
    expect(shown).toContain('CRITICAL  malware.webshell  ATT&CK T1505.003');
    expect(shown).toMatch(/signs:\n\s+- \{sign: "command-of-request-input", line: 1, excerpt: ".*system\(\$_GET\['c'\]\)/);
    expect(shown).toContain('docker cp f00d:');
    // The escape sequences and the bidi override in the name are shown, not obeyed.
    expect(raw.join('\n').replace(SGR, '')).not.toMatch(/\x1b|\u202e|\x07/);
  });
});
