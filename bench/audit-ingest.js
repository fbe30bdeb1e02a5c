// Audit-log ingest: `vigil detect --audit-log` against `ausearch -i` on the same large log,
// built by replicating real records captured on this machine (test/fixtures/audit), with
// serial numbers renumbered so every event stays distinct.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(root, 'test/fixtures/audit');

/** Real records, replicated to about `targetLines` lines with fresh serials. */
function buildLog(path, targetLines) {
  const lines = readdirSync(fixtures)
    .filter((f) => f.endsWith('.log'))
    .flatMap((f) => readFileSync(join(fixtures, f), 'utf8').split('\n'))
    .filter((l) => /msg=audit\(\d+\.\d+:\d+\)/.test(l));
  const out = [];
  let serial = 1_000_000;
  for (let round = 0; out.length < targetLines; round++) {
    const renumber = new Map();
    for (const line of lines) {
      out.push(
        line.replace(/msg=audit\((\d+\.\d+):(\d+)\)/, (_, ts, s) => {
          if (!renumber.has(s)) renumber.set(s, ++serial);
          return `msg=audit(${ts}:${renumber.get(s)})`;
        }),
      );
    }
  }
  writeFileSync(path, `${out.join('\n')}\n`);
  return out.length;
}

function timed(cmd, args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} failed: ${r.stderr}`);
  return ms;
}

export function auditIngest(dir, targetLines = 400_000) {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'audit.log');
  const records = buildLog(log, targetLines);
  const ausearch = spawnSync('ausearch', ['--version']).status === 0;
  const vigilMs = timed(process.execPath, [join(root, 'bin/vigil.js'), 'detect', '--audit-log', log, '--json']);
  const ausearchMs = ausearch ? timed('ausearch', ['-i', '-if', log]) : undefined;
  return {
    auditRecords: records,
    auditLogMB: +(statSync(log).size / 1e6).toFixed(1),
    vigilAuditRecordsPerSec: Math.round(records / (vigilMs / 1000)),
    ...(ausearchMs !== undefined && {
      ausearchRecordsPerSec: Math.round(records / (ausearchMs / 1000)),
      auditIngestVsAusearch: +(vigilMs / ausearchMs).toFixed(3),
    }),
  };
}
