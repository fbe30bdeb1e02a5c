// cluster.user_enumeration: an identity that is neither an administrator nor a cluster component
// asks what it may do (SelfSubjectRulesReview / SelfSubjectAccessReview) or lists the cluster's
// roles, bindings, secrets, service accounts or users; a burst of either weighs more.
import { defineRule, type Finding } from '../rule.js';
import { alertK8s, attempt, compileIdentities, requestEvidence, resourceOf, unauthenticated } from './k8s-facts.js';

const SELF_REVIEWS = new Set(['selfsubjectrulesreviews', 'selfsubjectaccessreviews']);
/** What an intruder lists to map who can do what, and to find credentials. */
const ENUMERATED = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings', 'secrets', 'serviceaccounts', 'users', 'groups']);
const MAX_IDENTITIES = 10_000;

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
    const recent = new Map<string, { times: number[]; seqs: number[]; what: Set<string> }>();

    return (event) => {
      const r = event.data;
      const { group, resource, subresource } = resourceOf(r);
      const selfReview = group === 'authorization.k8s.io' && SELF_REVIEWS.has(resource) && r.verb === 'create';
      const listing = r.verb === 'list' && subresource === '' && ENUMERATED.has(resource);
      if ((!selfReview && !listing) || unauthenticated(r) || identities.trusted(r) || identities.admin(r)) return [];
      const user = r.user.username;
      const what = selfReview ? resource : `list ${resource}`;
      const now = Date.parse(event.ts);
      const seen = recent.get(user) ?? { times: [], seqs: [], what: new Set<string>() };
      while (seen.times.length > 0 && now - seen.times[0]! > windowSeconds * 1000) {
        seen.times.shift();
        seen.seqs.shift();
      }
      seen.times.push(now);
      seen.seqs.push(event.seq);
      seen.what.add(what);
      recent.delete(user);
      recent.set(user, seen);
      if (recent.size > MAX_IDENTITIES) recent.delete(recent.keys().next().value!);

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
          summary: `${user} made ${seen.times.length} enumeration requests within ${windowSeconds}s (${[...seen.what].join(', ')})`,
          evidence: { requests: seen.times.length, windowSeconds, kinds: [...seen.what], ...requestEvidence(r) },
          events: seen.seqs.slice(-20),
        });
      }
      return findings;
    };
  },
});
