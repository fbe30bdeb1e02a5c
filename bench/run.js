// `npm run bench`: figures, not tests. Each is measured against its baseline in the same run
// (these machines are noisy) and written to bench/results.json. Run with NODE_ENV=production
// (the npm script does), as bin/vigil.js runs React.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditIngest } from './audit-ingest.js';
import { liveLatency } from './live-latency.js';
import { replayThroughput } from './replay.js';
import { startup } from './startup.js';

/** Runs a benchmark module as a process of its own and returns the figures it prints. */
function inOwnProcess(module) {
  const r = spawnSync(process.execPath, [new URL(module, import.meta.url).pathname], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`bench/${module} failed (${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

const results = { date: new Date().toISOString() };
Object.assign(results, await replayThroughput(join(tmpdir(), 'vigil-bench')));
console.log(results);
Object.assign(results, auditIngest(join(tmpdir(), 'vigil-bench')));
console.log(results);
Object.assign(results, await liveLatency());
console.log(results);
Object.assign(results, inOwnProcess('tui-burst.js'));
console.log(results);
Object.assign(results, await startup());
console.log(results);
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
