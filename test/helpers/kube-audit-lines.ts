// Kubernetes audit log text in bulk, for tests that need a live source to flood or to record.

/** Complete, harmless requests (a controller reading pods), one event each, as log text. */
export function kubeAuditRequests(from: number, count: number): Buffer {
  const template = JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: '00000000-0000-4000-8000-@ID@',
    stage: 'ResponseComplete',
    requestURI: '/api/v1/namespaces/web/pods/web-@ID@',
    verb: 'get',
    user: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:authenticated'] },
    sourceIPs: ['10.0.0.10'],
    objectRef: { resource: 'pods', namespace: 'web', name: 'web-@ID@', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: '2026-11-27T09:00:00.000000Z',
    stageTimestamp: '2026-11-27T09:00:00.000000Z',
  }).split('@ID@');
  const lines: string[] = [];
  for (let n = from; n < from + count; n++) lines.push(template.join(String(n).padStart(12, '0')));
  return Buffer.from(`${lines.join('\n')}\n`);
}
