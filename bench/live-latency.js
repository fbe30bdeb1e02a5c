// Live latency: time from a syscall in a container (the audit record's own timestamp, which the
// alert carries as `ts`) to the alert line reaching a reader of `vigil detect --live --json`.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const IMAGE = 'vigil-test/busybox:1';

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function liveLatency(samples = 40) {
  if (spawnSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore' }).status !== 0) return { liveLatencySkipped: `no ${IMAGE} image (npm test builds it)` };
  const vigil = spawn(process.execPath, [fileURLToPath(new URL('../bin/vigil.js', import.meta.url)), 'detect', '--live', '--json', '--duration', '120'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const latencies = [];
  let ready;
  const readyP = new Promise((r) => (ready = r));
  createInterface({ input: vigil.stdout }).on('line', (line) => {
    const arrived = Date.now();
    const alert = JSON.parse(line);
    if (alert.ruleId !== 'system.syscall') return;
    if (/\/warmup\/busybox$/.test(alert.process?.exe ?? '')) ready();
    else if (/\/u\d+\/busybox$/.test(alert.process?.exe ?? '')) latencies.push(arrived - Date.parse(alert.ts));
  });
  // Each sample is a distinct executable (alerts are one per syscall and program), run apart.
  // busybox picks its applet by argv[0], so each copy keeps its name in its own directory.
  const script = [
    'mkdir -p /tmp/warmup',
    'cp /bin/busybox /tmp/warmup/',
    'while ! [ -f /tmp/go ]; do /tmp/warmup/busybox unshare -m true; sleep 0.5; done',
    `for i in $(seq 1 ${samples}); do mkdir /tmp/u$i; cp /bin/busybox /tmp/u$i/; /tmp/u$i/busybox unshare -m true; sleep 0.25; done`,
  ].join('; ');
  const name = `vigil-bench-${process.pid}`;
  spawnSync('docker', ['run', '-d', '--name', name, '--network', 'none', '--cap-add', 'SYS_ADMIN', IMAGE, 'sh', '-c', script]);
  const warm = await Promise.race([readyP.then(() => true), new Promise((r) => setTimeout(() => r(false), 30_000))]);
  if (!warm) {
    spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
    vigil.kill('SIGTERM');
    return { liveLatencySkipped: 'no alert came back within 30 s (is auditd running, vigil root?)' };
  }
  spawnSync('docker', ['exec', name, 'busybox', 'touch', '/tmp/go']);
  const end = Date.now() + 60_000;
  while (latencies.length < samples && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  spawnSync('docker', ['rm', '-f', name], { stdio: 'ignore' });
  vigil.kill('SIGTERM');
  const sorted = [...latencies].sort((a, b) => a - b);
  return { liveLatencySamples: sorted.length, liveLatencyP50Ms: percentile(sorted, 50), liveLatencyP95Ms: percentile(sorted, 95), liveLatencyMaxMs: sorted.at(-1) };
}
