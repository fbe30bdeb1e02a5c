// The four cluster rules through `vigil detect --k8s-audit` on hand-written audit logs in the real
// audit.k8s.io/v1 format (test/fixtures/k8s/README.md says what each line is): every attack
// fires once, multi-stage requests count once, refused ones are attempts, benign look-alikes
// (controllers, kubelets, administrators, trusted system pods) stay quiet.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/engine/alert.js';
import { jsonLines, runVigil } from '../helpers/cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/k8s/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vigil-k8s-rules-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function detect(file: string, ...args: string[]): Promise<Alert[]> {
  const result = await runVigil(['detect', '--k8s-audit', file, '--json', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return jsonLines<Alert>(result.stdout);
}

const brief = (a: Alert) => [a.ruleId, a.severity, a.pod ? `${a.pod.namespace}/${a.pod.name}` : (a.k8s?.name ?? ''), a.summary];

describe('cluster.pod_anomaly', () => {
  it('fires once per risky pod and per exec, attach, port-forward and ephemeral container', async () => {
    const alerts = await detect(fixture('pod-anomaly.jsonl'));
    expect(alerts.every((a) => a.ruleId === 'cluster.pod_anomaly')).toBe(true);
    expect(alerts.map((a) => [a.pod!.name, a.severity, a.evidence.findings ?? a.evidence.action])).toEqual([
      ['pa-privileged-container', 'critical', ['privileged:container/shell']],
      ['pa-privileged-init', 'critical', ['privileged:initContainer/setup']],
      ['pa-hostnetwork', 'high', ['hostNetwork']],
      ['pa-hostpid', 'critical', ['hostPID']],
      ['pa-hostipc', 'high', ['hostIPC']],
      ['pa-hostpath-root', 'critical', ['hostPath:/ (dangerous host path (/))']],
      ['pa-hostpath-docker-sock', 'critical', ['hostPath:/var/run/docker.sock (container runtime socket)']],
      ['pa-hostpath-containerd-sock', 'critical', ['hostPath:/run/containerd/containerd.sock (container runtime socket)']],
      ['pa-cap-sys-admin', 'critical', ['capabilities:container/c:[SYS_ADMIN]']],
      ['pa-mirror-static-node-1', 'medium', ['static pod (mirrored by node node-1)']],
      ['pa-exec-target', 'high', 'exec'],
      ['pa-exec-websocket-target', 'high', 'exec'],
      ['pa-attach-target', 'high', 'attach'],
      ['pa-portforward-target', 'medium', 'portforward'],
      ['pa-ephemeral-patch-target', 'high', 'ephemeral container'],
      ['pa-ephemeral-update-target', 'high', 'ephemeral container'],
    ]);
    const exec = alerts.find((a) => a.pod!.name === 'pa-exec-target')!;
    expect(exec.evidence).toMatchObject({ command: ['sh'], stdin: true, tty: true, user: 'dev-alice' });
    expect(exec.k8s).toMatchObject({ verb: 'create', user: 'dev-alice', resource: 'pods', subresource: 'exec', namespace: 'web', name: 'pa-exec-target' });
  });

  it('lets the kubelet mirror its static pods when the operator opts in', async () => {
    const profile = join(dir, 'mirror.yaml');
    writeFileSync(profile, 'kubernetes: { allowKubeletMirrorPods: true }\n');
    const alerts = await detect(fixture('pod-anomaly.jsonl'), '--profile', profile);
    expect(alerts.map((a) => a.pod!.name)).not.toContain('pa-mirror-static-node-1');
  });
});

describe('cluster.user_enumeration', () => {
  it('reports each self-review and listing by a non-admin, and a burst higher', async () => {
    const alerts = await detect(fixture('user-enumeration.jsonl'));
    expect(alerts.every((a) => a.ruleId === 'cluster.user_enumeration')).toBe(true);
    const burst = alerts.filter((a) => a.evidence.requests !== undefined);
    expect(burst.map((a) => [a.k8s!.user, a.severity, a.evidence.requests])).toEqual([['system:serviceaccount:web:ue-burst', 'high', 5]]);
    const single = alerts.filter((a) => a.evidence.requests === undefined).map((a) => [a.k8s!.user, a.severity, a.evidence.request]);
    expect(single).toEqual([
      ['system:serviceaccount:web:ue-burst', 'low', 'selfsubjectrulesreviews'],
      ['system:serviceaccount:web:ue-burst', 'low', 'selfsubjectaccessreviews'],
      ['system:serviceaccount:ci:ue-single', 'low', 'selfsubjectaccessreviews'],
      ['system:serviceaccount:ci:ue-lister', 'medium', 'list secrets'],
      ['system:serviceaccount:ci:ue-lister', 'medium', 'list roles'],
      ['system:serviceaccount:ci:ue-lister', 'medium', 'list clusterrolebindings'],
    ]);
  });
});

describe('cluster.role_binding', () => {
  it('fires on cluster-admin and wildcard bindings, dangerous roles, system service accounts and their tokens; a refused binding of an unknown role says nothing', async () => {
    const alerts = await detect(fixture('role-binding.jsonl'));
    expect(alerts.every((a) => a.ruleId === 'cluster.role_binding')).toBe(true);
    expect(alerts.map((a) => [a.severity, a.summary])).toEqual([
      ['critical', 'dev-alice bound ClusterRole cluster-admin to ServiceAccount:web/frontend'],
      ['high', 'dev-alice wrote Role team-a/rb-role-wildcard granting verbs:*, resources:*'],
      ['high', 'dev-alice bound Role rb-role-wildcard to User:mallory'],
      ['high', 'dev-alice wrote ClusterRole rb-clusterrole-star-verbs granting verbs:*'],
      ['high', expect.stringMatching(/^dev-alice wrote ClusterRole rb-clusterrole-escalate-bind-impersonate granting .*verbs:escalate.*verbs:bind.*verbs:impersonate/)],
      ['medium', 'dev-alice created service account kube-system/rb-sa-backdoor in a system namespace'],
      ['high', 'dev-alice requested a token for service account kube-system/clusterrole-aggregation-controller'],
    ]);
  });
});

describe('cluster.event_deletion', () => {
  it('fires on deletions of core and events.k8s.io events, and reports a refused one as an attempt', async () => {
    const alerts = await detect(fixture('event-deletion.jsonl'));
    expect(alerts.every((a) => a.ruleId === 'cluster.event_deletion')).toBe(true);
    expect(alerts.map((a) => [a.severity, a.summary])).toEqual([
      ['medium', 'dev-alice deleted event payments/ed-single-core.187b3c4d5e6f7a8b'],
      ['high', 'dev-alice deleted all events in payments'],
      ['high', 'dev-alice deleted all events in kube-system'],
      ['low', 'refused (403): system:serviceaccount:web:frontend deleted event web/ed-denied.187b3c4d5e6f7b01'],
    ]);
  });
});

describe('the cluster as it normally runs', () => {
  it('stays quiet on controllers, kubelets, administrators and trusted system pods', async () => {
    expect((await detect(fixture('benign.jsonl'))).map(brief)).toEqual([]);
  });

  it('reads an EventList document: three requests from four items', async () => {
    const alerts = await detect(fixture('eventlist.json'));
    expect(alerts.map((a) => a.ruleId).sort()).toEqual(['cluster.event_deletion', 'cluster.pod_anomaly', 'cluster.user_enumeration']);
  });

  it('skips and counts malformed lines with their reasons, and reads the rest', async () => {
    const result = await runVigil(['detect', '--k8s-audit', fixture('malformed.jsonl'), '--json']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^vigil: .*malformed\.jsonl: 13 lines skipped \(.*invalid JSON.*\)\n$/);
  });

  it('exits 2 with one line for an unreadable file', async () => {
    const result = await runVigil(['detect', '--k8s-audit', join(dir, 'absent.log')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('gives the same alerts, ids included, when its recording is replayed', async () => {
    const recording = join(dir, 'k8s.jsonl');
    const first = await detect(fixture('pod-anomaly.jsonl'), '--record', recording);
    const replayed = await runVigil(['detect', '--replay', recording, '--json']);
    expect(jsonLines<Alert>(replayed.stdout)).toEqual(first);
  });
});
