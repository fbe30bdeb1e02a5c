// cluster.pod_anomaly: a pod with privileged containers, host namespaces, sensitive hostPath
// volumes (host system paths, the runtime socket) or dangerous added capabilities, or a static
// (mirror) pod, is created (audit) or present (watch); or someone execs into, attaches to,
// port-forwards to, or adds an ephemeral container to an existing pod.
import { maxSeverity, type Severity } from '../alert.js';
import type { Pod } from '../events.js';
import { lookup } from '../json.js';
import { podFromObject } from '../k8s-pod.js';
import { compileGlobs } from '../match.js';
import type { Profile } from '../profile.js';
import { defineRule, type Finding, NONE } from '../rule.js';
import { compileMountClassifier } from './container-mounts.js';
import { alertK8s, attempt, compileIdentities, denied, requestEvidence, requestObject, resourceOf, type AuditRequest, unauthenticated } from './k8s-facts.js';

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

interface PodFinding {
  finding: string;
  severity: Severity;
}

/** What is risky about a pod's configuration, in stable forms (`privileged:container/web`, `hostPID`, …). */
export function compilePodChecks(profile: Profile): (pod: Pod) => PodFinding[] {
  const classify = compileMountClassifier(profile);
  const highRisk = new Set(profile.capabilities.highRisk);
  const defaults = new Set(profile.capabilities.default);
  return (pod) => {
    const out: PodFinding[] = [];
    const groups = [
      ['container', pod.containers],
      ['initContainer', pod.initContainers],
      ['ephemeralContainer', pod.ephemeralContainers],
    ] as const;
    for (const [kind, containers] of groups) {
      for (const c of containers) {
        if (c.privileged) out.push({ finding: `privileged:${kind}/${c.name}`, severity: 'critical' });
        const added = c.capAdd.map((cap) => cap.toUpperCase().replace(/^CAP_/, '')).filter((cap) => !defaults.has(cap));
        if (added.length > 0) {
          out.push({ finding: `capabilities:${kind}/${c.name}:[${added.join(',')}]`, severity: added.some((cap) => highRisk.has(cap)) ? 'critical' : 'high' });
        }
      }
    }
    for (const ns of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (pod[ns]) out.push({ finding: ns, severity: ns === 'hostPID' ? 'critical' : 'high' });
    for (const v of pod.volumes) {
      if (v.hostPath === undefined) continue;
      const danger = classify({ type: 'bind', source: v.hostPath, destination: v.name, rw: true, propagation: '' });
      if (danger) out.push({ finding: `hostPath:${v.hostPath} (${danger.reason})`, severity: 'critical' });
    }
    const mirror = pod.annotations[MIRROR_ANNOTATION] !== undefined || pod.ownerReferences.some((o) => o.kind === 'Node');
    if (mirror) out.push({ finding: `static pod (mirrored by node ${pod.nodeName || pod.ownerReferences.find((o) => o.kind === 'Node')?.name || '?'})`, severity: 'medium' });
    return out;
  };
}

const worst = (findings: PodFinding[]): Severity => findings.map((f) => f.severity).reduce(maxSeverity, 'low');

/** The command an exec request runs, from its query string (`command=sh&command=-c&…`). */
function execDetails(uri: string): Record<string, unknown> {
  const query = new URLSearchParams(uri.split('?')[1] ?? '');
  const command = query.getAll('command');
  return {
    ...(command.length > 0 && { command }),
    ...(query.get('container') && { container: query.get('container') }),
    ...(query.has('ports') && { ports: query.getAll('ports') }),
    ...(query.get('stdin') === 'true' && { stdin: true }),
    ...(query.get('tty') === 'true' && { tty: true }),
  };
}

const accessVerbs: Record<string, { what: string; severity: Severity }> = {
  exec: { what: 'exec into', severity: 'high' },
  attach: { what: 'attach to', severity: 'high' },
  portforward: { what: 'port-forward to', severity: 'medium' },
};

export default defineRule({
  id: 'cluster.pod_anomaly',
  category: 'cluster',
  severity: 'high',
  title: { en: 'Pod abnormal behaviour', zh: 'Pod异常行为' },
  mitre: 'T1610',
  consumes: ['k8s/audit', 'k8s/pod.snapshot'],
  create: (profile) => {
    const checks = compilePodChecks(profile);
    const settings = profile.kubernetes;
    const trustedPod = compileGlobs(settings.trustedPods);
    const identities = compileIdentities(settings);

    function configFindings(pod: Pod, request?: AuditRequest): readonly Finding[] {
      if (trustedPod(`${pod.namespace}/${pod.name}`) !== undefined) return NONE;
      const kubeletMirror = request?.user.username.startsWith('system:node:') === true && settings.allowKubeletMirrorPods;
      const findings = checks(pod).filter((f) => !(kubeletMirror && f.finding.startsWith('static pod')));
      if (findings.length === 0) return NONE;
      const names = findings.map((f) => f.finding);
      const summary = `pod ${pod.namespace}/${pod.name}: ${names.join(', ')}`;
      const base = { severity: worst(findings), summary };
      const { severity, summary: said } = request ? attempt(request, base.severity, base.summary) : base;
      return [
        {
          key: request && denied(request) ? `denied-config\0${names.join('\0')}` : 'config',
          pod: { namespace: pod.namespace, name: pod.name },
          severity,
          summary: said,
          evidence: {
            findings: names,
            ...(pod.nodeName && { node: pod.nodeName }),
            ...(pod.serviceAccountName && { serviceAccount: pod.serviceAccountName }),
            images: [...pod.initContainers, ...pod.containers, ...pod.ephemeralContainers].map((c) => c.image),
            ...(request ? requestEvidence(request) : { seenBy: 'watch' }),
          },
          ...(request && { k8s: alertK8s(request) }),
        },
      ];
    }

    function accessFindings(r: AuditRequest, subresource: string): readonly Finding[] {
      if (identities.trusted(r)) return NONE;
      const name = r.objectRef?.name ?? '';
      const namespace = r.objectRef?.namespace ?? '';
      const pod = { namespace, name };
      if (subresource === 'ephemeralcontainers') {
        if (r.verb !== 'update' && r.verb !== 'patch') return NONE;
        // An update carries the whole pod; only its ephemeral containers matter here.
        const added = podFromObject({ ...requestObject(r), kind: 'Pod', spec: { containers: [], ...Object(requestObject(r).spec) } })?.ephemeralContainers ?? [];
        const { severity, summary } = attempt(r, 'high', `${r.user.username} added an ephemeral container to pod ${namespace}/${name}`);
        return [
          {
            key: `${denied(r) ? 'denied-' : ''}ephemeral\0${r.user.username}`,
            pod,
            severity,
            summary,
            evidence: { action: 'ephemeral container', containers: added.map((c) => ({ name: c.name, image: c.image, privileged: c.privileged })), ...requestEvidence(r) },
            k8s: alertK8s(r),
          },
        ];
      }
      const access = lookup(accessVerbs, subresource);
      if (!access || (r.verb !== 'create' && r.verb !== 'get')) return NONE;
      const { severity, summary } = attempt(r, access.severity, `${r.user.username} ${access.what} pod ${namespace}/${name}`);
      return [
        {
          key: `${denied(r) ? 'denied-' : ''}${subresource}\0${r.user.username}`,
          pod,
          severity,
          summary,
          evidence: { action: subresource, ...execDetails(r.requestURI), ...requestEvidence(r) },
          k8s: alertK8s(r),
        },
      ];
    }

    return (event) => {
      if (event.kind === 'pod.snapshot') return event.data.reason === 'deleted' ? [] : configFindings(event.data.pod);
      const r = event.data;
      if (unauthenticated(r)) return NONE;
      const { group, resource, subresource } = resourceOf(r);
      if (group !== '' || resource !== 'pods') return NONE;
      if (subresource !== '') return accessFindings(r, subresource);
      if (r.verb !== 'create') return NONE;
      const pod = podFromObject(r.requestObject);
      if (!pod) return NONE;
      return configFindings({ ...pod, namespace: pod.namespace || r.objectRef?.namespace || '', name: pod.name || r.objectRef?.name || '' }, r);
    };
  },
});
