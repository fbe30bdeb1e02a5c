// `npm run bench`: figures, not tests. Each is measured against its baseline in the same run
// (these machines are noisy) and written to bench/results.json. Run with NODE_ENV=production
// (the npm script does), as bin/vigil.js runs React.
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditIngest } from './audit-ingest.js';
import { liveLatency } from './live-latency.js';
import { startup } from './startup.js';
import { tuiBurst } from './tui-burst.js';

const results = { date: new Date().toISOString() };
Object.assign(results, auditIngest(join(tmpdir(), 'vigil-bench')));
console.log(results);
Object.assign(results, await liveLatency());
console.log(results);
Object.assign(results, await tuiBurst());
console.log(results);
Object.assign(results, await startup());
console.log(results);
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
