// Kubernetes tab: the API request behind a cluster alert, and its request object when the
// source event carries one (a Kubernetes audit event's `requestObject`).
import type { AlertContext } from '../../model/alert-context.js';
import type { Line } from './lines.js';

function requestObjects(context: AlertContext): unknown[] {
  return context.events.map((e) => (e.data as Record<string, unknown>).requestObject).filter((o) => o !== undefined);
}

export function kubernetesLines(context: AlertContext): Line[] {
  const { k8s, pod } = context.alert;
  if (!k8s) return [{ text: 'not a cluster alert', dim: true }];
  const row = (label: string, value: string): Line => ({ text: `${label.padEnd(12)}${value}` });
  const resource = k8s.subresource ? `${k8s.resource}/${k8s.subresource}` : k8s.resource;
  const lines: Line[] = [
    row('verb', k8s.verb),
    row('user', k8s.user),
    row('resource', resource),
    row('object', k8s.namespace ? `${k8s.namespace}/${k8s.name}` : k8s.name),
    ...(pod ? [row('pod', `${pod.namespace}/${pod.name}`)] : []),
    row('auditID', k8s.auditID),
  ];
  for (const object of requestObjects(context)) {
    lines.push({ text: '' }, { text: 'Request object', bold: true });
    lines.push(...JSON.stringify(object, null, 2).split('\n').map((text) => ({ text })));
  }
  return lines;
}
