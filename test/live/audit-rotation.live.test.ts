// Live, against the real auditd: while `vigil detect --live` follows the audit log, a host shell
// runs two thousand marked execs and auditd is told to rotate its log (USR1, what `service
// auditd rotate` sends) again and again. Every exec must be in vigil's recording exactly once.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jsonLines, startVigil, waitFor } from '../helpers/cli.js';
import { liveGate } from '../helpers/live.js';

function auditdPid(): number | undefined {
  const r = spawnSync('pidof', ['auditd'], { encoding: 'utf8' });
  const pid = Number(r.stdout.trim().split(/\s+/)[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function auditdAvailable(): { ok: boolean; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  if (spawnSync('auditctl', ['-s']).status !== 0) return { ok: false, reason: 'auditctl -s failed' };
  return auditdPid() ? { ok: true, reason: '' } : { ok: false, reason: 'auditd is not running' };
}

const lostNow = () => Number(/^lost (\d+)$/m.exec(spawnSync('auditctl', ['-s'], { encoding: 'utf8' }).stdout)?.[1]);

const live = liveGate('auditd rotation', auditdAvailable);
const dir = mkdtempSync(join(tmpdir(), 'vigil-rotate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(live)('auditd rotating its log under load', () => {
  it('every marked exec is read exactly once across eight rotations, proven by count', async () => {
    const recording = join(dir, 'rotation.jsonl');
    const vigil = startVigil(['detect', '--live', '--json', '--record', recording], { HOME: dir, XDG_STATE_HOME: dir });
    const marker = `vigil-rot-${process.pid}-`;
    const marked = () =>
      jsonLines<{ source: string; kind: string; data: { process: { cmdline: string[] } } }>(readFileSync(recording, 'utf8'))
        .filter((e) => e.source === 'audit' && e.kind === 'exec')
        .map((e) => e.data.process.cmdline[1] ?? '')
        .filter((arg) => arg.startsWith(marker));
    try {
      // Ready when a canary exec comes back through audit.
      await waitFor(
        () => {
          spawnSync('/bin/true', [`${marker}canary`]);
          try {
            return marked().length > 0;
          } catch {
            return false;
          }
        },
        20_000,
        'vigil to see an exec through audit',
        250,
      );
      const canaries = marked().length;
      const lostBefore = lostNow();
      const logInode = statSync('/var/log/audit/audit.log').ino;

      const total = 2000;
      const started = performance.now();
      const load = spawn('bash', ['-c', `for i in $(seq 1 ${total}); do /bin/true ${marker}$i; done`], { stdio: 'ignore' });
      const loadDone = new Promise<number | null>((resolve) => load.on('close', resolve));
      for (let rotation = 0; rotation < 8; rotation++) {
        await new Promise((r) => setTimeout(r, 200));
        process.kill(auditdPid()!, 'SIGUSR1');
      }
      expect(await loadDone).toBe(0);
      expect(statSync('/var/log/audit/audit.log').ino).not.toBe(logInode);
      // A record the kernel dropped would be missing for a reason that is not vigil's.
      expect(lostNow()).toBe(lostBefore);

      const loaded = performance.now();
      await waitFor(() => marked().length >= canaries + total, 30_000, 'every marked exec in the recording', 500);
      console.info(`rotation: load ${Math.round(loaded - started)} ms, then ${Math.round(performance.now() - loaded)} ms until all were read`);
      // Give a duplicate the time to show up.
      await new Promise((r) => setTimeout(r, 1500));
      const seen = marked().filter((arg) => arg !== `${marker}canary`);
      expect(seen).toHaveLength(total);
      expect(new Set(seen).size).toBe(total);
    } finally {
      vigil.child.kill('SIGTERM');
      await vigil.done;
    }
  }, 120_000);
});
