// `vigil detect --audit-log FILE`: a real audit log captured here, analysed offline. Containers
// are recognised from the log's own process tree (their containerd-shim), not from this machine.
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../src/engine/alert.js';
import { jsonLines, runVigil } from './helpers/cli.js';

const fixture = fileURLToPath(new URL('./fixtures/audit/container-offline.log', import.meta.url));
const CONTAINER = '18451f7b597f42b0daab1a9c079c95f74ce08e95cad945bcbf734c542cbe90ac';

describe('vigil detect --audit-log', () => {
  it("finds the container's behaviour, attributed through its shim, and nothing of runc's set-up", async () => {
    const { code, stdout, stderr } = await runVigil(['detect', '--audit-log', fixture, '--json']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const alerts = jsonLines<Alert>(stdout);
    expect(alerts.map((a) => [a.ruleId, a.container?.id])).toEqual([
      ['system.high_risk_command', CONTAINER],
      ['system.syscall', CONTAINER],
      ['system.syscall', CONTAINER],
    ]);
    expect(alerts.map((a) => (a.evidence.syscall as { name?: string } | undefined)?.name)).toEqual([undefined, 'unshare', 'mount']);
    expect(alerts.every((a) => !/runc|containerd/.test(a.process?.exe ?? ''))).toBe(true);
  });

  it('gives the same alerts, ids included, on every run', async () => {
    const [a, b] = await Promise.all([runVigil(['detect', '--audit-log', fixture, '--json']), runVigil(['detect', '--audit-log', fixture, '--json'])]);
    expect(a.stdout).toBe(b.stdout);
  });

  it('counts and skips malformed lines, and still reads the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-auditlog-'));
    try {
      const damaged = join(dir, 'damaged.log');
      writeFileSync(damaged, `garbage line\ntype=SYSCALL msg=audit(oops\n${readFileSync(fixture, 'utf8')}`);
      const { code, stdout, stderr } = await runVigil(['detect', '--audit-log', damaged, '--json']);
      expect(code).toBe(0);
      expect(jsonLines(stdout)).toHaveLength(3);
      expect(stderr).toBe(`vigil: ${damaged}: 2 malformed audit records skipped\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with one line for an unreadable log', async () => {
    const { code, stderr } = await runVigil(['detect', '--audit-log', '/nonexistent/audit.log']);
    expect(code).toBe(2);
    expect(stderr).toBe('vigil: /nonexistent/audit.log: cannot read audit log (no such file or directory)\n');
  });
});
