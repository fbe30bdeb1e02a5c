// cluster.event_deletion: Kubernetes events (core `events` or events.k8s.io) are deleted one by
// one or by collection, by anyone but the cluster's own components (the namespace controller
// deletes them with their namespace): covering tracks.
import { defineRule, NONE } from '../rule.js';
import { alertK8s, attempt, compileIdentities, denied, requestEvidence, resourceOf, unauthenticated } from './k8s-facts.js';

export default defineRule({
  id: 'cluster.event_deletion',
  category: 'cluster',
  severity: 'high',
  title: { en: 'Kubernetes event deletion', zh: 'Kubernetes事件删除' },
  mitre: 'T1070',
  consumes: ['k8s/audit'],
  create: (profile) => {
    const identities = compileIdentities(profile.kubernetes);
    return (event) => {
      const r = event.data;
      const { group, resource, subresource } = resourceOf(r);
      if (resource !== 'events' || subresource !== '' || (group !== '' && group !== 'events.k8s.io')) return NONE;
      if ((r.verb !== 'delete' && r.verb !== 'deletecollection') || unauthenticated(r) || identities.trusted(r)) return NONE;
      const namespace = r.objectRef?.namespace;
      const what = r.verb === 'deletecollection' ? `all events${namespace ? ` in ${namespace}` : ' of the cluster'}` : `event ${namespace ? `${namespace}/` : ''}${r.objectRef?.name ?? ''}`;
      const { severity, summary } = attempt(r, r.verb === 'deletecollection' ? 'high' : 'medium', `${r.user.username} deleted ${what}`);
      return [
        {
          key: `${denied(r) ? 'denied\0' : ''}${r.verb}\0${r.user.username}\0${namespace ?? ''}`,
          severity,
          summary,
          evidence: { verb: r.verb, apiGroup: group || 'core', ...(namespace && { namespace }), ...requestEvidence(r) },
          k8s: alertK8s(r),
        },
      ];
    };
  },
});
