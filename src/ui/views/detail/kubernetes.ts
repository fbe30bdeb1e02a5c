// Kubernetes tab: the API request behind a cluster alert (or the pod the watch saw), the pod it
// concerns laid out for review (host namespaces, containers with their security contexts,
// hostPath volumes), and any other request object as JSON.
import type { Pod, PodContainer } from '../../../engine/events.js';
import { podFromObject } from '../../../engine/k8s-pod.js';
import type { AlertContext } from '../../model/alert-context.js';
import type { Line } from './lines.js';

const row = (label: string, value: string): Line => ({ text: `${label.padEnd(12)}${value}` });

function podLines(pod: Pod): Line[] {
  const hostNamespaces = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((ns) => pod[ns]);
  const lines: Line[] = [
    { text: '' },
    { text: `Pod ${pod.namespace}/${pod.name}`, bold: true },
    ...(pod.nodeName ? [row('node', pod.nodeName)] : []),
    ...(pod.serviceAccountName ? [row('account', pod.serviceAccountName)] : []),
    { ...row('host ns', hostNamespaces.length > 0 ? hostNamespaces.join(', ') : 'none shared'), ...(hostNamespaces.length > 0 && { color: 'red' as const }) },
  ];
  const mirror = pod.annotations['kubernetes.io/config.mirror'];
  if (mirror !== undefined) lines.push({ ...row('static', `mirror pod (config ${mirror})`), color: 'yellow' });
  const container = (kind: string, c: PodContainer): Line => {
    const facts = [
      c.privileged && 'PRIVILEGED',
      c.capAdd.length > 0 && `cap+ ${c.capAdd.join(',')}`,
      c.capDrop.length > 0 && `cap- ${c.capDrop.join(',')}`,
      c.runAsUser !== undefined && `uid ${c.runAsUser}`,
      c.allowPrivilegeEscalation === false && 'no-escalation',
    ].filter(Boolean);
    return { text: `  ${kind.padEnd(10)}${c.name}  ${c.image}${facts.length > 0 ? `  ${facts.join('  ')}` : ''}`, ...(c.privileged && { color: 'red' as const }) };
  };
  lines.push({ text: 'Containers', bold: true });
  for (const c of pod.initContainers) lines.push(container('init', c));
  for (const c of pod.containers) lines.push(container('main', c));
  for (const c of pod.ephemeralContainers) lines.push(container('ephemeral', c));
  const hostPaths = pod.volumes.filter((v) => v.hostPath !== undefined);
  if (hostPaths.length > 0) {
    lines.push({ text: 'hostPath volumes', bold: true });
    for (const v of hostPaths) {
      const mounts = [...pod.initContainers, ...pod.containers, ...pod.ephemeralContainers].flatMap((c) =>
        c.volumeMounts.filter((m) => m.name === v.name).map((m) => `${c.name}:${m.mountPath}${m.readOnly ? ' (ro)' : ''}`),
      );
      lines.push({ text: `  ${v.hostPath} → ${mounts.join(', ') || v.name}`, color: 'yellow' });
    }
  }
  return lines;
}

export function kubernetesLines(context: AlertContext): Line[] {
  const { k8s, pod } = context.alert;
  if (!k8s && !pod) return [{ text: 'not a cluster alert', dim: true }];
  const lines: Line[] = [];
  if (k8s) {
    const resource = k8s.subresource ? `${k8s.resource}/${k8s.subresource}` : k8s.resource;
    lines.push(row('verb', k8s.verb), row('user', k8s.user), row('resource', resource), row('object', k8s.namespace ? `${k8s.namespace}/${k8s.name}` : k8s.name));
  }
  if (pod) lines.push(row('pod', `${pod.namespace}/${pod.name}`));
  lines.push(k8s ? row('auditID', k8s.auditID) : { text: 'seen by the pod watch (no API request behind it)', dim: true });
  for (const e of context.events) {
    if (e.source !== 'k8s') continue;
    if (e.kind === 'pod.snapshot') {
      lines.push(...podLines(e.data.pod));
      continue;
    }
    if (e.data.requestObject === undefined) continue;
    const requested = e.data.objectRef?.resource === 'pods' && !e.data.objectRef.subresource ? podFromObject(e.data.requestObject) : undefined;
    if (requested) lines.push(...podLines({ ...requested, namespace: requested.namespace || e.data.objectRef?.namespace || '' }));
    lines.push({ text: '' }, { text: 'Request object', bold: true });
    lines.push(...JSON.stringify(e.data.requestObject, null, 2).split('\n').map((text) => ({ text })));
  }
  return lines;
}
