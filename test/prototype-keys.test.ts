// Names from untrusted input used as table keys: 'constructor', 'toString' or '__proto__' must
// find nothing, not Object's own members (each of these once crashed or misfired; the drill-down
// fuzz test found the first).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../src/engine/alert.js';
import { webshellSigns } from '../src/engine/rules/webshell/signs.js';
import { nextSteps } from '../src/ui/views/detail/next-steps.js';
import { jsonLines, runVigil } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-proto-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEYS = ['constructor', 'toString', '__proto__', 'hasOwnProperty'];

describe('keys from untrusted input', () => {
  it('a pod subresource named like an Object member is not an abnormal operation', async () => {
    const exec = readFileSync(new URL('./fixtures/k8s/pod-anomaly.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"subresource":"exec"') && l.includes('pa-exec-target'));
    expect(exec.length).toBeGreaterThan(0);
    const file = join(dir, 'subresources.jsonl');
    writeFileSync(file, KEYS.flatMap((key, i) => exec.map((l) => l.replaceAll('exec', key).replaceAll('6d6779af', `6d6779a${i}`))).join('\n'));
    const result = await runVigil(['detect', '--k8s-audit', file, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(jsonLines<Alert>(result.stdout)).toEqual([]);
    // The same lines with the real subresource do fire: the test would see a misfire.
    const real = join(dir, 'exec.jsonl');
    writeFileSync(real, exec.join('\n'));
    expect(jsonLines<Alert>((await runVigil(['detect', '--k8s-audit', real, '--json'])).stdout)).toHaveLength(1);
  });

  it('a file extension named like an Object member is no script dialect', () => {
    for (const key of KEYS) expect(webshellSigns('<?php echo "hello"; ?>', key)).toEqual([]);
  });

  it('the drill-down of a health alert whose source is named like an Object member', () => {
    for (const key of KEYS) {
      const alert = { ruleId: 'vigil.source_down', summary: '', evidence: { source: key, state: 'down' }, events: [] } as unknown as Alert;
      const steps = nextSteps(alert);
      expect(steps.every((s) => s.run === undefined || Array.isArray(s.run))).toBe(true);
      expect(steps.map((s) => s.say).join(' ')).not.toContain(`Check the ${key} side`);
    }
  });
});
