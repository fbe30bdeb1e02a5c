// Live: files written, renamed, deleted and re-moded inside real containers on the real dockerd,
// seen through their overlay layers by `vigil detect --live --json`: webshells, malware by hash
// and signature, ransomware, protected files and accounts fire; a package install, log rotation
// and framework code stay quiet. The recording of the run replays to the identical alerts.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { jsonLines, runVigil, startVigil, waitFor } from '../helpers/cli.js';
import { docker, dockerAvailable, ensureImage, liveGate, removeContainers } from '../helpers/live.js';

const live = liveGate('docker', dockerAvailable);
const prefix = `vigil-files-${process.pid}-`;
const IMAGE = 'vigil-test/web:2';
const MALWARE_SAMPLE = 'vigil test malware sample: not real malware\n';
const benignCorpus = new URL('../fixtures/webshells/benign/', import.meta.url);

const imageFiles = {
  'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  'etc/shadow': 'root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\nwww-data:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n',
  'etc/group': 'root:x:0:\ndaemon:x:1:\nwww-data:x:33:\nnogroup:x:65534:\n',
  'var/www/html/index.php': '<?php echo "hello"; ?>\n',
  'app/config/app.yaml': 'listen: 8080\n',
  'app/config/db.yaml': 'host: db\n',
  'tmp/.keep': '',
};

const webshell = `<?php\n// upload helper\n$c = $_POST['cmd'];\nif (isset($c)) { echo '<pre>'; system($c); echo '</pre>'; }\n`;
const obfuscated = `<?php $f = 'ba'.'se64_'.'decode'; @eval($f($_REQUEST['z'])); ?>\n`;
const minerConfig = JSON.stringify({ autosave: true, cpu: { enabled: true }, 'donate-level': 1, pools: [{ url: 'stratum+tcp://pool.example:3333', user: 'wallet' }] }, null, 2);

function sh(name: string, script: string, input?: string): void {
  execFileSync('docker', ['exec', '-i', prefix + name, 'sh', '-c', script], { input: input ?? '', stdio: ['pipe', 'ignore', 'pipe'], timeout: 60_000 });
}

const rulesOf = (alerts: Alert[], name: string) => [...new Set(alerts.filter((a) => a.container?.name === prefix + name).map((a) => a.ruleId))].sort();

describe.runIf(live)('files source, live', () => {
  let dir: string;
  beforeAll(() => {
    ensureImage(IMAGE, imageFiles);
    removeContainers(prefix);
    dir = mkdtempSync(join(tmpdir(), 'vigil-files-'));
    const sha = createHash('sha256').update(MALWARE_SAMPLE).digest('hex');
    writeFileSync(
      join(dir, 'profile.yaml'),
      [
        `malware: { sha256: ["${sha}"] }`,
        `protectedFiles: { "vigil-test/web:*": ["/app/config/**"] }`,
        // Host logs are another test's subject.
        'logs: { files: [] }',
      ].join('\n'),
    );
  });

  afterAll(() => {
    removeContainers(prefix);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sees what happens inside containers, fires on the attacks and stays quiet on ordinary work', async () => {
    const run = (name: string) => docker('run', '-d', '--name', prefix + name, '--network', 'none', IMAGE, 'sleep', '120');
    // Already there when vigil starts: found by the start-up scan of the web directories.
    run('preexisting');
    sh('preexisting', 'cat > /var/www/html/.cache.php', obfuscated);
    for (const name of ['web', 'benign', 'miner', 'ransom', 'accounts', 'protected']) run(name);

    const recording = join(dir, 'files.jsonl.gz');
    const vigil = startVigil(['detect', '--live', '--json', '--duration', '25', '--profile', join(dir, 'profile.yaml'), '--record', recording]);
    await waitFor(() => vigil.stdout().includes(`${prefix}preexisting`), 20_000, 'the start-up scan');

    sh('web', 'cat > /var/www/html/upload.php', webshell);
    sh('miner', 'mkdir -p /tmp/.x && cat > /tmp/.x/config.json', minerConfig);
    sh('miner', 'cat > /tmp/payload.bin', MALWARE_SAMPLE);
    sh('ransom', 'mkdir -p /data && for i in $(seq 1 30); do echo "quarterly report $i: revenue, costs and notes" > /data/report-$i.txt; done');
    await new Promise((r) => setTimeout(r, 1500));
    sh('ransom', 'for i in $(seq 1 30); do head -c 4096 /dev/urandom > /data/report-$i.txt && mv /data/report-$i.txt /data/report-$i.txt.lockbit; done; echo "Your files are encrypted. Pay 1 BTC." > /data/HOW_TO_DECRYPT.txt');
    sh('accounts', "echo 'toor:x:0:0::/root:/bin/sh' >> /etc/passwd");
    // Through stdin, so the hash is in no command line (audit records those as they are).
    sh('accounts', 'cat >> /etc/shadow', 'toor:$6$vigilsalt$c2VjcmV0aGFzaA:19000:0:99999:7:::\n');
    sh('protected', 'echo "listen: 9090" > /app/config/app.yaml; chmod 600 /app/config/db.yaml');
    // Ordinary work: framework files deployed, a package unpacked the way dpkg does it, logs rotated.
    for (const file of readdirSync(benignCorpus)) sh('benign', `mkdir -p /var/www/html/app && cat > '/var/www/html/app/${file}'`, readFileSync(new URL(file, benignCorpus), 'utf8'));
    sh('benign', 'mkdir -p /usr/lib/pkg && for i in $(seq 1 40); do echo "module $i" > /usr/lib/pkg/m$i.py.dpkg-new && mv /usr/lib/pkg/m$i.py.dpkg-new /usr/lib/pkg/m$i.py; done');
    sh('benign', 'mkdir -p /var/log/app && for n in 1 2 3; do echo "request $n" >> /var/log/app/app.log; mv /var/log/app/app.log /var/log/app/app.log.$n; gzip /var/log/app/app.log.$n; done');
    sh('benign', 'head -c 65536 /dev/urandom > /tmp/session.bin && rm /tmp/session.bin');
    // The intruder cleans up after itself: the deletion is seen too.
    sh('web', 'rm /var/www/html/upload.php');

    const result = await vigil.done;
    expect(result.code).toBe(0);
    const alerts = jsonLines<Alert>(result.stdout);

    expect(rulesOf(alerts, 'preexisting')).toEqual(['malware.webshell']);
    expect(rulesOf(alerts, 'web')).toEqual(['malware.webshell']);
    expect(rulesOf(alerts, 'miner')).toEqual(['malware.unclassified']);
    expect(rulesOf(alerts, 'ransom')).toEqual(['malware.ransomware']);
    // The echo >> /etc/passwd itself is account tampering (audit sees the command).
    expect(rulesOf(alerts, 'accounts')).toEqual(['system.high_risk_command', 'user.illegal_account']);
    expect(rulesOf(alerts, 'protected')).toEqual(['system.sensitive_file']);
    expect(rulesOf(alerts, 'benign')).toEqual([]);

    const of = (name: string, rule: string) => alerts.filter((a) => a.container?.name === prefix + name && a.ruleId === rule);
    expect(of('web', 'malware.webshell')[0]!.evidence).toMatchObject({ path: '/var/www/html/upload.php', action: 'created' });
    expect(of('preexisting', 'malware.webshell')[0]!.evidence).toMatchObject({ path: '/var/www/html/.cache.php', action: 'present' });
    expect(of('miner', 'malware.unclassified').map((a) => a.evidence.path).sort()).toEqual(['/tmp/.x/config.json', '/tmp/payload.bin']);
    expect(of('ransom', 'malware.ransomware').map((a) => a.evidence.sign).sort()).toEqual(['high-entropy-rewrites', 'ransom-note', 'rename-burst']);
    expect(of('accounts', 'user.illegal_account').map((a) => a.evidence.finding)).toContain('cloned-root');
    expect(of('protected', 'system.sensitive_file').map((a) => [a.evidence.path, a.evidence.action]).sort()).toEqual([
      ['/app/config/app.yaml', 'modified'],
      ['/app/config/db.yaml', 'attributes'],
    ]);
    const recorded = gunzipSync(readFileSync(recording)).toString();
    const changes = recorded
      .split('\n')
      .filter((l) => l.includes('"kind":"file.change"'))
      .map((l) => (JSON.parse(l) as { data: { path: string; action: string } }).data);
    expect(changes).toContainEqual(expect.objectContaining({ path: '/var/www/html/upload.php', action: 'deleted' }));
    expect(changes).toContainEqual(expect.objectContaining({ path: '/data/report-1.txt.lockbit', action: 'renamed' }));
    // No password hash of any container reaches the recording.
    expect(recorded).not.toContain('$6$vigilsalt');
    const replayed = await runVigil(['detect', '--replay', recording, '--json', '--profile', join(dir, 'profile.yaml')]);
    expect(jsonLines<Alert>(replayed.stdout)).toEqual(alerts);
  }, 90_000);
});
