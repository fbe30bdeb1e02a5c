// The shipped demo recording (captured by vigil on a real dockerd, scripts/record-demo.sh)
// replays to the expected alerts: the risky containers fire, their look-alikes stay quiet.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../src/engine/alert.js';
import { catalogue } from '../src/engine/rules/index.js';
import { jsonLines, runVigil } from './helpers/cli.js';

const file = (name: string) => fileURLToPath(new URL(`../recordings/${name}`, import.meta.url));

describe('recordings/demo-startup-checks.jsonl', () => {
  it('replays to exactly the alerts it was captured with, ids included', async () => {
    const result = await runVigil(['detect', '--replay', file('demo-startup-checks.jsonl'), '--profile', file('demo.profile.yaml'), '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const alerts = jsonLines<Alert>(result.stdout);
    expect(alerts).toEqual(jsonLines<Alert>(readFileSync(file('demo-startup-checks.alerts.jsonl'), 'utf8')));

    const rules = Object.fromEntries(alerts.map((a) => [a.container!.name, a.ruleId]));
    expect(rules).toEqual({
      'demo-agent-docker-sock': 'system.container_mounts',
      'demo-web-privileged': 'system.container_security_options',
      'demo-debug-sysadmin': 'system.container_security_options',
      'demo-tools-unconfined': 'system.container_security_options',
      'demo-backup-host-root': 'system.container_mounts',
      'demo-monitor-host-pid': 'system.container_namespaces',
      'demo-miner': 'system.image_blocked',
    });
  });

  it('holds no environment values', () => {
    const text = readFileSync(file('demo-startup-checks.jsonl'), 'utf8');
    expect(text).toContain('"POOL_PASSWORD=<redacted>"');
    expect(text).not.toContain('hunter2');
  });
});

describe('recordings/demo-kernel-incident.jsonl.gz', () => {
  it('replays to exactly the alerts captured live: the intrusion in demo-web, nothing from the worker, and the dockerd outage', async () => {
    const result = await runVigil(['detect', '--replay', file('demo-kernel-incident.jsonl.gz'), '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const alerts = jsonLines<Alert>(result.stdout);
    expect(alerts).toEqual(jsonLines<Alert>(readFileSync(file('demo-kernel-incident.alerts.jsonl'), 'utf8')));
    // demo-web's intrusion, plus vigil's own health: its connection to dockerd dropped once.
    expect(new Set(alerts.map((a) => a.container?.name ?? a.category))).toEqual(new Set(['demo-web', 'vigil']));
    expect(new Set(alerts.map((a) => a.ruleId))).toEqual(
      new Set([
        'system.container_security_options',
        'system.container_mounts',
        'system.container_namespaces',
        'system.reverse_shell',
        'system.high_risk_command',
        'exploit.escape_file',
        'system.syscall',
        'system.container_malicious_program',
        'system.privilege_escalation',
        'vigil.source_down',
      ]),
    );
  });
});

/** The web intrusion both web demos hold: the brute-forced host site, then demo-shop taken over. */
const WEB_INTRUSION = [
  'host user.brute_force attempt',
  'host user.brute_force success',
  'demo-shop malware.webshell',
  'demo-shop malware.unclassified',
  'demo-shop system.sensitive_file',
  'demo-shop system.high_risk_command',
  'demo-shop user.illegal_account cloned-root',
  'demo-shop user.illegal_account passwd-shadow-mismatch',
  'demo-shop user.illegal_account new-login-account',
  'demo-shop malware.ransomware ransom-note',
  'demo-shop malware.ransomware rename-burst',
  'demo-shop malware.ransomware high-entropy-rewrites',
];

/** Replays a shipped demo with its profile: exactly the alerts committed beside it, nothing on stderr. */
async function replaysAsRecorded(name: string, profile: string): Promise<Alert[]> {
  const result = await runVigil(['detect', '--replay', file(`${name}.jsonl.gz`), '--profile', file(profile), '--json']);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const alerts = jsonLines<Alert>(result.stdout);
  expect(alerts).toEqual(jsonLines<Alert>(readFileSync(file(`${name}.alerts.jsonl`), 'utf8')));
  return alerts;
}

/** Each alert as "where rule [what]": a container, the cluster, or the host. */
function findings(alerts: Alert[]): Set<string> {
  return new Set(alerts.map((a) => `${a.container?.name ?? (a.k8s ? 'cluster' : 'host')} ${a.ruleId} ${String(a.evidence.sign ?? a.evidence.finding ?? a.evidence.outcome ?? '')}`.trim()));
}

describe('recordings/demo-web-intrusion.jsonl.gz', () => {
  it('replays to exactly the alerts captured live: the intrusion into demo-shop and the brute-forced host site, nothing from the blog', async () => {
    const alerts = await replaysAsRecorded('demo-web-intrusion', 'demo-web.profile.yaml');
    expect(findings(alerts)).toEqual(new Set(WEB_INTRUSION));
  });
});

describe('recordings/demo-full-incident.jsonl.gz', () => {
  it('replays to exactly the alerts captured live, in every category of the catalogue: the web intrusion, the cluster, the escape and the dockerd outage, nothing from the blog, the worker or the cluster\'s own requests', async () => {
    const alerts = await replaysAsRecorded('demo-full-incident', 'demo-full.profile.yaml');
    // Every category a rule of the catalogue can raise.
    expect(new Set(alerts.map((a) => a.category))).toEqual(new Set(catalogue.map((r) => r.category)));
    expect(findings(alerts)).toEqual(
      new Set([
        ...WEB_INTRUSION,
        'cluster cluster.pod_anomaly',
        'cluster cluster.role_binding',
        'cluster cluster.user_enumeration',
        'cluster cluster.event_deletion',
        'demo-web system.container_security_options',
        'demo-web system.container_mounts',
        'demo-web system.container_namespaces',
        'demo-web system.reverse_shell',
        'demo-web system.high_risk_command',
        'demo-web exploit.escape_file',
        'demo-web system.syscall',
        'demo-web system.container_malicious_program',
        'demo-web system.privilege_escalation',
        'host vigil.source_down',
      ]),
    );
    // The cluster alerts name the attacker's requests only, not the components' or the administrator's.
    expect(new Set(alerts.filter((a) => a.category === 'cluster').map((a) => a.k8s!.user))).toEqual(new Set(['dev-alice', 'system:serviceaccount:ci:ue-lister']));
  });
});
