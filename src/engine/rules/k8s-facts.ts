// Facts the cluster rules share: who made a request (trusted component, administrator, anyone
// else), whether it was allowed, and the alert's `k8s` field.
import type { AlertK8s, Severity } from '../alert.js';
import type { EventOf } from '../events.js';
import { obj } from '../json.js';
import { compileGlobs } from '../match.js';
import type { Profile } from '../profile.js';

export type AuditRequest = EventOf<'k8s/audit'>['data'];

export interface Identities {
  /** The cluster's own components: nothing they do is a finding. */
  trusted(request: AuditRequest): boolean;
  /** Administrators: enumerating the cluster is their job. */
  admin(request: AuditRequest): boolean;
}

/**
 * Judged on the authenticated user, not an impersonated one: impersonating a controller must
 * not make a request trusted.
 */
export function compileIdentities(settings: Profile['kubernetes']): Identities {
  const trusted = compileGlobs(settings.trustedUsers);
  const adminUsers = new Set(settings.adminUsers);
  const adminGroups = new Set(settings.adminGroups);
  return {
    trusted: (r) => trusted(r.user.username) !== undefined,
    admin: (r) => adminUsers.has(r.user.username) || (r.user.groups ?? []).some((g) => adminGroups.has(g)),
  };
}

/**
 * A request that failed authentication has no identity to hold to account (an expired token
 * looks the same as a guessed one): no cluster rule reads it.
 */
export function unauthenticated(r: AuditRequest): boolean {
  return r.user.username === '' || r.responseStatus?.code === 401;
}

/** A request the API server refused (authorization, admission, validation) was only attempted. */
export function denied(r: AuditRequest): boolean {
  return (r.responseStatus?.code ?? 200) >= 400;
}

const lower: Record<Severity, Severity> = { critical: 'high', high: 'medium', medium: 'low', low: 'low' };

/** An attempt weighs less than a success, and says it was refused. */
export function attempt(r: AuditRequest, severity: Severity, summary: string): { severity: Severity; summary: string } {
  return denied(r) ? { severity: lower[severity], summary: `refused (${r.responseStatus!.code}): ${summary}` } : { severity, summary };
}

export function alertK8s(r: AuditRequest): AlertK8s {
  const o = r.objectRef;
  return {
    auditID: r.auditID,
    verb: r.verb,
    user: r.user.username,
    resource: o?.resource ?? '',
    subresource: o?.subresource ?? '',
    namespace: o?.namespace ?? '',
    name: o?.name ?? '',
  };
}

/** Who asked, from where, with what, and what the API server answered: every cluster alert's evidence. */
export function requestEvidence(r: AuditRequest): Record<string, unknown> {
  return {
    user: r.user.username,
    ...(r.user.groups && { groups: r.user.groups }),
    ...(r.impersonatedUser && { impersonatedUser: r.impersonatedUser.username }),
    sourceIPs: r.sourceIPs,
    userAgent: r.userAgent,
    requestURI: r.requestURI,
    ...(r.responseStatus && { responseCode: r.responseStatus.code }),
  };
}

/** The request's object as a JSON record, or an empty one. */
export function requestObject(r: AuditRequest): Record<string, unknown> {
  return obj(r.requestObject);
}

/** The API group ('' for core), resource and subresource a request addressed. */
export function resourceOf(r: AuditRequest): { group: string; resource: string; subresource: string } {
  return { group: r.objectRef?.apiGroup ?? '', resource: r.objectRef?.resource ?? '', subresource: r.objectRef?.subresource ?? '' };
}
