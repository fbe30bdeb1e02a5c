// cluster.user_enumeration: an identity that is neither an administrator nor a cluster component
// asks what it may do (SelfSubjectRulesReview / SelfSubjectAccessReview) or lists the cluster's
// roles, bindings, secrets, service accounts or users; a burst of either weighs more.
import { defineRule, type Finding, NONE } from '../rule.js';
import { addTo, SlidingWindows } from './sliding-window.js';
import { alertK8s, attempt, compileIdentities, requestEvidence, resourceOf, unauthenticated } from './k8s-facts.js';

const SELF_REVIEWS = new Set(['selfsubjectrulesreviews', 'selfsubjectaccessreviews']);
/** What an intruder lists to map who can do what, and to find credentials. */
const ENUMERATED = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings', 'secrets', 'serviceaccounts', 'users', 'groups']);

export default defineRule({
  id: 'cluster.user_enumeration',
  category: 'cluster',
  severity: 'medium',
  title: { en: 'Enumerating user information', zh: '枚举用户信息' },
  mitre: 'T1069.003',
  consumes: ['k8s/audit'],
  create: (profile) => {
    const identities = compileIdentities(profile.kubernetes);
    const { count, windowSeconds } = profile.kubernetes.enumerationBurst;
    // Requests per identity, with the kinds of request made.
    const recent = new SlidingWindows<undefined, Set<string>>(windowSeconds * 1000, () => new Set());

    return (event) => {
      const r = event.data;
      const { group, resource, subresource } = resourceOf(r);
      const selfReview = group === 'authorization.k8s.io' && SELF_REVIEWS.has(resource) && r.verb === 'create';
      const listing = r.verb === 'list' && subresource === '' && ENUMERATED.has(resource);
      if ((!selfReview && !listing) || unauthenticated(r) || identities.trusted(r) || identities.admin(r)) return NONE;
      const user = r.user.username;
      const what = selfReview ? resource : `list ${resource}`;
      const now = Date.parse(event.ts);
      const seen = recent.at(user, now);
      addTo(seen, now, event.seq, undefined);
      seen.extra.add(what);

      const base = { k8s: alertK8s(r) };
      const findings: Finding[] = [];
      const single = attempt(r, selfReview ? 'low' : 'medium', `${user} ${selfReview ? `asked for its own permissions (${resource})` : `listed ${resource}${r.objectRef?.namespace ? ` in ${r.objectRef.namespace}` : ' cluster-wide'}`}`);
      findings.push({
        ...base,
        key: `${what}\0${user}`,
        ...single,
        evidence: { request: what, ...requestEvidence(r) },
      });
      if (seen.times.length >= count) {
        findings.push({
          ...base,
          key: `burst\0${user}`,
          severity: 'high',
          summary: `${user} made ${seen.times.length} enumeration requests within ${windowSeconds}s (${[...seen.extra].join(', ')})`,
          evidence: { requests: seen.times.length, windowSeconds, kinds: [...seen.extra], ...requestEvidence(r) },
          events: seen.seqs.slice(-20),
        });
      }
      return findings;
    };
  },
});
