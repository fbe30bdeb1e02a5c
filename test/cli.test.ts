// The command line as a user meets it: usage errors, the catalogue, replay output and its
// handling of damaged recordings and hostile strings.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../src/engine/alert.js';
import { jsonLines, runVigil } from './helpers/cli.js';
import { snapshotEvent, snapshotFixture } from './helpers/engine.js';

let dir: string;
const header = JSON.stringify({ format: 'vigil-recording', version: 1, host: 'test', startedAt: '2026-11-27T10:00:00.000Z', vigilVersion: '0.1.0' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function recording(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n'));
  return path;
}

describe('vigil --help and rules', () => {
  it('documents every command and input', async () => {
    const { code, stdout } = await runVigil(['--help']);
    expect(code).toBe(0);
    for (const word of ['vigil detect', '--live', '--duration', '--replay', '--profile', '--json', '--record', 'vigil record', 'vigil rules']) {
      expect(stdout).toContain(word);
    }
  });

  it('lists the implemented rules with English and Chinese titles', async () => {
    const { code, stdout } = await runVigil(['rules', '--json']);
    expect(code).toBe(0);
    const rules = jsonLines<{ id: string; category: string; title: string; titleZh: string; severity: string }>(stdout);
    expect(rules.map((r) => r.id)).toEqual([
      'system.container_security_options',
      'system.container_mounts',
      'system.container_namespaces',
      'system.image_blocked',
      'system.syscall',
      'exploit.escape_vuln',
      'exploit.escape_file',
      'system.high_risk_command',
      'system.privilege_escalation',
      'system.reverse_shell',
      'system.container_abnormal_process',
      'system.container_malicious_program',
      'malware.unclassified',
      'malware.webshell',
      'malware.ransomware',
      'system.sensitive_file',
      'user.illegal_account',
      'user.brute_force',
      'cluster.pod_anomaly',
      'cluster.user_enumeration',
      'cluster.role_binding',
      'cluster.event_deletion',
      'vigil.source_down',
      'vigil.enforcement',
      'vigil.audit_lost',
      'vigil.events_dropped',
    ]);
    expect(rules[0]).toMatchObject({ category: 'system', title: 'Container security options', titleZh: '容器安全选项', severity: 'high' });
    const human = await runVigil(['rules']);
    expect(human.stdout).toContain('system.container_mounts');
    expect(human.stdout).toContain('容器挂载目录');
    expect(rules.find((r) => r.id === 'user.brute_force')).toMatchObject({ category: 'user', title: 'Brute force', titleZh: '暴力破解' });
  });
});

describe('bad usage and unreadable input: one line on stderr, exit 2', () => {
  it.each([
    [['detect', '--bogus'], /^vigil: unknown option '--bogus'/],
    [['frobnicate'], /^vigil: unknown command "frobnicate"/],
    [['detect', '--live', '--replay', 'x'], /^vigil: --live and --replay cannot be combined/],
    [['detect', '--duration', '0'], /^vigil: --duration must be a positive number of seconds/],
    [['detect', '--duration', 'soon'], /^vigil: --duration must be a positive number of seconds/],
    [['detect', '--replay', '/nonexistent/rec.jsonl'], /^vigil: \/nonexistent\/rec.jsonl: cannot read recording/],
    [['detect', '--replay'], /^vigil: option '--replay <value>' argument missing/],
    [['record'], /^vigil: vigil record needs a FILE/],
    [['detect', '--profile', '/nonexistent.yaml'], /^vigil: cannot read profile \/nonexistent.yaml/],
  ])('vigil %j', async (args, message) => {
    const { code, stdout, stderr } = await runVigil(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('names the file, key and line of each profile problem', async () => {
    const profile = join(dir, 'bad.yaml');
    writeFileSync(profile, 'blockedImages: []\nenforce: "yes"\nmounts:\n  alow: ["/data"]\n');
    const { code, stderr } = await runVigil(['detect', '--replay', 'x', '--profile', profile]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      `vigil: ${profile}:2: 'enforce' must be a boolean, got string`,
      `vigil: ${profile}:4: unknown key 'mounts.alow'`,
    ]);
  });

  it('rejects a file that is not a recording', async () => {
    const path = recording('not.jsonl', ['hello']);
    const { code, stderr } = await runVigil(['detect', '--replay', path]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/not a vigil recording/);
  });
});

describe('vigil detect --replay', () => {
  const privileged = snapshotFixture('privileged');
  const sock = snapshotFixture('mount-docker-sock');

  it('skips and counts corrupt lines and unknown kinds, tolerates a truncated last line, and keeps going', async () => {
    const path = recording('damaged.jsonl', [
      header,
      JSON.stringify(snapshotEvent(privileged, 'create', 1)),
      '{"seq":2,"ts":"x","source":"docker","kind":"container.snap',
      JSON.stringify({ seq: 3, ts: 't', source: 'falco', kind: 'rule', data: {} }),
      JSON.stringify(snapshotEvent(sock, 'start', 4)),
      JSON.stringify(snapshotEvent(sock, 'start', 5)).slice(0, 40),
    ]);
    const { code, stdout, stderr } = await runVigil(['detect', '--replay', path, '--json']);
    expect(code).toBe(0);
    expect(jsonLines<Alert>(stdout).map((a) => [a.ruleId, a.events])).toEqual([
      ['system.container_security_options', [1]],
      ['system.container_mounts', [4]],
    ]);
    expect(stderr).toContain(`${path}:3:`);
    expect(stderr).toContain(`${path}:4: unknown event kind "falco/rule"`);
    expect(stderr).toContain(`${path}: 1 corrupt line skipped, 1 event of unknown kind skipped, truncated last line ignored`);
  });

  it('replays a gzip recording up to where it turns corrupt, then exits 2 with one line saying so', async () => {
    // Incompressible filler, so the damage lies well past the first chunk the reader takes.
    const filler = Array.from({ length: 4000 }, (_, i) =>
      JSON.stringify({ seq: i + 2, ts: '2026-11-27T10:00:01.000Z', source: 'vigil', kind: 'source.status', data: { source: randomBytes(48).toString('hex'), state: 'up' } }),
    );
    const plain = [header, JSON.stringify(snapshotEvent(privileged, 'create', 1)), ...filler].join('\n') + '\n';
    const gz = gzipSync(plain);
    const at = Math.floor(gz.length * 0.75);
    for (let i = at; i < at + 64; i++) gz[i] = gz[i]! ^ 0xff;
    const path = join(dir, 'corrupt-midway.jsonl.gz');
    writeFileSync(path, gz);
    const { code, stdout, stderr } = await runVigil(['detect', '--replay', path, '--json']);
    expect(code).toBe(2);
    expect(jsonLines<Alert>(stdout).map((a) => a.ruleId)).toEqual(['system.container_security_options']);
    const last = stderr.trimEnd().split('\n').at(-1)!;
    expect(last).toMatch(new RegExp(`^vigil: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read recording \\(.+\\), after \\d+ events$`));
  });

  it('prints one readable line per alert without colour off a terminal, and makes hostile strings inert', async () => {
    const hostile = { ...privileged, name: 'evil\x1b]0;pwned\x07\x1b[2J\u202egnp.exe' };
    const path = recording('hostile.jsonl', [header, JSON.stringify(snapshotEvent(hostile, 'create', 1))]);
    const human = await runVigil(['detect', '--replay', path]);
    expect(human.code).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^2026-11-27 10:00:00 {2}CRITICAL {2}system.container_security_options {2}/);
    expect(lines[0]).toContain('evil\\x1b]0;pwned\\x07\\x1b[2J\\u202egnp.exe (vigil-test/busybox:1)');
    expect(human.stdout).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f\u202e]/);
    // JSON keeps the string exactly (escaped by JSON itself).
    const json = await runVigil(['detect', '--replay', path, '--json']);
    expect(jsonLines<Alert>(json.stdout)[0]!.container!.name).toBe(hostile.name);
  });

  it('re-records a replay to a file that replays the same', async () => {
    const source = recording('source.jsonl', [header, JSON.stringify(snapshotEvent(privileged, 'create', 1)), JSON.stringify(snapshotEvent(sock, 'start', 2))]);
    const copy = join(dir, 'copy.jsonl.gz');
    const first = await runVigil(['detect', '--replay', source, '--json', '--record', copy]);
    const second = await runVigil(['detect', '--replay', copy, '--json']);
    expect(second.stdout).toBe(first.stdout);
    expect(readFileSync(copy).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
  });
});

describe('live without a reachable dockerd', () => {
  it('reports the docker source down with the reason, keeps running, and exits 0', async () => {
    const { code, stdout } = await runVigil(['detect', '--json', '--duration', '1'], { DOCKER_HOST: `unix://${join(dir, 'no-such.sock')}` });
    expect(code).toBe(0);
    const alerts = jsonLines<Alert>(stdout);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ ruleId: 'vigil.source_down', category: 'vigil', evidence: { source: 'docker', state: 'down' } });
    expect(alerts[0]!.summary).toContain('no-such.sock');
  });

  it('reports Docker TLS certificates it cannot read as the docker source down, and keeps running', async () => {
    const env = { DOCKER_HOST: 'tcp://127.0.0.1:9', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'no-certs') };
    const { code, stdout } = await runVigil(['detect', '--json', '--duration', '1'], env);
    expect(code).toBe(0);
    const down = jsonLines<Alert>(stdout).filter((a) => a.ruleId === 'vigil.source_down' && a.evidence.source === 'docker');
    expect(down.map((a) => a.summary)).toEqual([`docker source down: DOCKER_TLS_VERIFY is set but ${join(dir, 'no-certs', 'ca.pem')} cannot be read (ENOENT); set DOCKER_CERT_PATH`]);
  });
});

describe('output', () => {
  it('colours severities on a terminal only', async () => {
    const { alertPrinter } = await import('../src/cli/output.js');
    const { runEngine } = await import('./helpers/engine.js');
    const { loadProfile } = await import('../src/profile/load.js');
    const [alert] = runEngine([snapshotEvent(snapshotFixture('privileged'))], await loadProfile()).alerts;
    const written: string[] = [];
    const stream = (isTTY: boolean) => ({ isTTY, writableEnded: false, destroyed: false, write: (s: string) => written.push(s) > 0 });
    alertPrinter(false, stream(true))(alert!);
    alertPrinter(false, stream(false))(alert!);
    expect(written[0]).toContain('\x1b[1;97;41mCRITICAL');
    expect(written[1]).not.toContain('\x1b');
  });

  it('stops quietly when its reader goes away', async () => {
    const { spawnSync } = await import('node:child_process');
    const c = snapshotFixture('privileged');
    const lines = [header];
    for (let i = 1; i <= 20_000; i++) lines.push(JSON.stringify(snapshotEvent({ ...c, id: i.toString(16).padStart(64, '0') }, 'create', i)));
    const path = recording('many.jsonl', lines);
    const r = spawnSync('bash', ['-c', `node bin/vigil.js detect --replay ${path} | head -n 1 >/dev/null; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('0');
  });
});

describe('live without privileges', () => {
  it('reports exactly why the docker and audit sources are off, and keeps running', async () => {
    const asNobody = process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(asNobody[0] ?? process.execPath, [...asNobody.slice(1), ...(asNobody.length ? [process.execPath] : []), 'bin/vigil.js', 'detect', '--json', '--duration', '2'], {
      encoding: 'utf8',
      env: { ...process.env, HOME: dir, XDG_STATE_HOME: dir, DOCKER_HOST: '' },
    });
    expect(r.status).toBe(0);
    const summaries = jsonLines<Alert>(r.stdout).map((a) => a.summary);
    expect(summaries).toContain('audit source down: not running as root: kernel audit source off; execs are seen only by 1 s /proc scans, other syscalls not at all');
    // A state file it cannot read: left untouched, said on stderr and raised as a health alert.
    const stateProblem = /state file \S+ cannot be read \(EACCES: permission denied.*\); leaving it untouched: whitelist and acknowledgement changes hold for this session only$/;
    expect(r.stderr.split('\n').map((l) => l.replace(/^vigil: /, ''))).toContainEqual(expect.stringMatching(stateProblem));
    expect(summaries).toContainEqual(expect.stringMatching(new RegExp(`^state source degraded: ${stateProblem.source}`)));
  });
});
