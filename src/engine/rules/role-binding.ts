// cluster.role_binding: someone other than the cluster's components binds a high-privilege role
// (cluster-admin and the profile's list, or a role seen granting `*` or escalate/bind/
// impersonate), creates such a role, creates a service account in a system namespace, or
// requests a token for one there.
import type { Severity } from '../alert.js';
import { list, obj, strings } from '../json.js';
import { compileGlobs } from '../match.js';
import { defineRule, type Finding, NONE } from '../rule.js';
import { alertK8s, attempt, compileIdentities, denied, requestEvidence, requestObject, resourceOf, type AuditRequest, unauthenticated } from './k8s-facts.js';

const RBAC = 'rbac.authorization.k8s.io';
const WRITES = new Set(['create', 'update', 'patch']);
/** Verbs that let a role holder grant itself more: as good as `*`. */
const ESCALATING = ['escalate', 'bind', 'impersonate'];
const MAX_ROLES = 10_000;


/** Why a role's rules are high privilege, or nothing. */
function dangerousRules(role: Record<string, unknown>): string[] {
  const why = new Set<string>();
  for (const rule of list(role.rules)) {
    const r = obj(rule);
    const verbs = strings(r.verbs);
    if (verbs.includes('*')) why.add('verbs:*');
    if (strings(r.resources).includes('*')) why.add('resources:*');
    for (const v of ESCALATING) if (verbs.includes(v)) why.add(`verbs:${v}`);
  }
  return [...why];
}

/** The object a request names: in its path, or (a create) in its body. */
function objectName(r: AuditRequest): string {
  return r.objectRef?.name || String(obj(requestObject(r).metadata).name ?? '');
}

export default defineRule({
  id: 'cluster.role_binding',
  category: 'cluster',
  severity: 'high',
  title: { en: 'Binding cluster user roles', zh: '绑定集群用户角色' },
  mitre: 'T1098',
  consumes: ['k8s/audit'],
  create: (profile) => {
    const settings = profile.kubernetes;
    const identities = compileIdentities(settings);
    const highPrivilege = compileGlobs(settings.highPrivilegeRoles);
    const systemNamespaces = new Set(settings.systemNamespaces);
    // Roles seen granting too much, by `Kind/namespace/name`: bindings to them are findings too.
    const dangerousRoles = new Map<string, string[]>();

    const finding = (r: AuditRequest, key: string, severity: Severity, summary: string, evidence: Record<string, unknown>): Finding => ({
      key: `${denied(r) ? 'denied\0' : ''}${key}`,
      ...attempt(r, severity, summary),
      evidence: { ...evidence, ...requestEvidence(r) },
      k8s: alertK8s(r),
    });

    function role(r: AuditRequest, kind: 'Role' | 'ClusterRole'): readonly Finding[] {
      const why = dangerousRules(requestObject(r));
      const namespace = kind === 'Role' ? (r.objectRef?.namespace ?? '') : '';
      const name = objectName(r);
      if (why.length === 0) return NONE;
      if (!denied(r)) {
        dangerousRoles.set(`${kind}/${namespace}/${name}`, why);
        if (dangerousRoles.size > MAX_ROLES) dangerousRoles.delete(dangerousRoles.keys().next().value!);
      }
      if (identities.trusted(r)) return NONE;
      return [finding(r, `role\0${kind}/${namespace}/${name}`, 'high', `${r.user.username} wrote ${kind} ${namespace ? `${namespace}/` : ''}${name} granting ${why.join(', ')}`, { role: { kind, namespace, name }, grants: why })];
    }

    function binding(r: AuditRequest, kind: 'RoleBinding' | 'ClusterRoleBinding'): readonly Finding[] {
      const object = requestObject(r);
      const roleRef = (object.roleRef ?? {}) as Record<string, unknown>;
      const refKind = String(roleRef.kind ?? '');
      const refName = String(roleRef.name ?? '');
      if (!refName) return NONE; // a patch of the subjects only: roleRef cannot change
      const namespace = r.objectRef?.namespace ?? '';
      const grants = dangerousRoles.get(`${refKind}/${refKind === 'Role' ? namespace : ''}/${refName}`);
      const named = highPrivilege(refName) !== undefined;
      if (!named && !grants) return NONE;
      const subjects = list(object.subjects).map((s) => {
        const o = (s ?? {}) as Record<string, unknown>;
        return `${String(o.kind ?? '')}:${o.namespace ? `${String(o.namespace)}/` : ''}${String(o.name ?? '')}`;
      });
      const name = objectName(r);
      const severity: Severity = refName === 'cluster-admin' && kind === 'ClusterRoleBinding' ? 'critical' : 'high';
      return [
        finding(r, `binding\0${kind}/${namespace}/${name}\0${refKind}/${refName}`, severity, `${r.user.username} bound ${refKind} ${refName} to ${subjects.join(', ') || 'no subjects'}`, {
          binding: { kind, namespace, name },
          roleRef: { kind: refKind, name: refName },
          subjects,
          why: named ? 'high-privilege role' : `role grants ${grants!.join(', ')}`,
        }),
      ];
    }

    return (event) => {
      const r = event.data;
      if (unauthenticated(r)) return NONE;
      const { group, resource, subresource } = resourceOf(r);
      if (group === RBAC && WRITES.has(r.verb) && subresource === '') {
        if (resource === 'roles') return role(r, 'Role');
        if (resource === 'clusterroles') return role(r, 'ClusterRole');
        if (identities.trusted(r)) return NONE;
        if (resource === 'rolebindings') return binding(r, 'RoleBinding');
        if (resource === 'clusterrolebindings') return binding(r, 'ClusterRoleBinding');
        return NONE;
      }
      const namespace = r.objectRef?.namespace ?? '';
      if (group !== '' || resource !== 'serviceaccounts' || r.verb !== 'create' || !systemNamespaces.has(namespace) || identities.trusted(r)) return NONE;
      const name = objectName(r);
      if (subresource === 'token') {
        return [finding(r, `token\0${namespace}/${name}\0${r.user.username}`, 'high', `${r.user.username} requested a token for service account ${namespace}/${name}`, { serviceAccount: `${namespace}/${name}` })];
      }
      if (subresource !== '') return NONE;
      return [finding(r, `serviceaccount\0${namespace}/${name}`, 'medium', `${r.user.username} created service account ${namespace}/${name} in a system namespace`, { serviceAccount: `${namespace}/${name}` })];
    };
  },
});
