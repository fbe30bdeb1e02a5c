// Kubernetes audit events (audit.k8s.io/v1 `Event`, or an `EventList` as the webhook backend and
// `kubectl get --raw` give them) normalised into `k8s/audit` data. Only what the rules read is
// kept: the request object, bounded, and never the response object (a list's holds every
// secret it listed). Unknown fields are ignored: the format grows.
import { z } from 'zod';
import type { EventOf, UnsequencedEvent } from '../../engine/events.js';
import { isRecord, type Json } from '../../engine/json.js';
import { terminalSafe } from '../../text/terminal-safe.js';

export type K8sAudit = EventOf<'k8s/audit'>['data'];

const auditStages = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
const API_VERSION = 'audit.k8s.io/v1';

/** A request object whose JSON is longer than this is cut down (see `boundRequestObject`). */
export const MAX_REQUEST_OBJECT_BYTES = 64 * 1024;
/** Kubernetes objects nest far less; deeper JSON would overflow the stack of JSON.stringify (recordings). */
const MAX_DEPTH = 64;
/** What a string of an oversized request object is cut to: enough for any path, image or flag. */
const MAX_STRING = 1024;

/** metav1.MicroTime as Go writes it (RFC 3339, up to nanoseconds). */
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

// Only `user` itself is required: a request that failed authentication is logged with `"user":{}`.
const userInfo = z.object({
  username: z.string().optional(),
  uid: z.string().optional(),
  groups: z.array(z.string()).optional(),
  extra: z.record(z.string(), z.array(z.string())).optional(),
});

const eventSchema = z.object({
  level: z.string().optional(),
  auditID: z.string().min(1),
  stage: z.enum(auditStages),
  requestURI: z.string().optional(),
  verb: z.string().min(1),
  user: userInfo,
  impersonatedUser: userInfo.optional(),
  sourceIPs: z.array(z.string()).optional(),
  userAgent: z.string().optional(),
  objectRef: z
    .object({
      resource: z.string().optional(),
      namespace: z.string().optional(),
      name: z.string().optional(),
      uid: z.string().optional(),
      apiGroup: z.string().optional(),
      apiVersion: z.string().optional(),
      resourceVersion: z.string().optional(),
      subresource: z.string().optional(),
    })
    .optional(),
  responseStatus: z
    .object({
      code: z.number().int().optional(),
      status: z.string().optional(),
      reason: z.string().optional(),
      message: z.string().optional(),
      metadata: z.unknown().optional(),
    })
    .optional(),
  requestObject: z.unknown().optional(),
  requestReceivedTimestamp: z.string().regex(MICRO_TIME).refine((s) => !Number.isNaN(Date.parse(s))),
  stageTimestamp: z.string().nullish(),
  annotations: z.record(z.string(), z.string()).optional(),
});
type RawEvent = z.infer<typeof eventSchema>;

export interface ParsedAudit {
  events: K8sAudit[];
  /** Why each item that is not a usable event was rejected (low-cardinality reasons, for counting). */
  rejected: string[];
}


/** The events in a parsed JSON value: one `Event`, or the items of an `EventList`. */
export function parseAuditDocument(value: unknown): ParsedAudit {
  const out: ParsedAudit = { events: [], rejected: [] };
  const take = (item: unknown, inList: boolean): void => {
    const parsed = parseEvent(item, inList);
    if (typeof parsed === 'string') out.rejected.push(parsed);
    else out.events.push(parsed);
  };
  if (isRecord(value) && value.kind === 'EventList') {
    if (value.apiVersion !== API_VERSION) out.rejected.push(unsupported(value.apiVersion));
    else if (!Array.isArray(value.items)) out.rejected.push(value.items === undefined ? 'missing field items' : 'invalid field items');
    else for (const item of value.items) take(item, true);
  } else {
    take(value, false);
  }
  return out;
}

/** One line of a log written by kube-apiserver's log backend (JSON format). */
export function parseAuditLine(line: string): ParsedAudit {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { events: [], rejected: ['invalid JSON'] };
  }
  return parseAuditDocument(value);
}

/** The vigil event for a request: its time is when the API server received it. */
export function auditEvent(data: K8sAudit): UnsequencedEvent {
  return { ts: new Date(data.requestReceivedTimestamp).toISOString(), source: 'k8s', kind: 'audit', data };
}

// The log backend writes kind and apiVersion on every line; EventList items carry neither.
function parseEvent(value: unknown, inList: boolean): K8sAudit | string {
  if (!isRecord(value)) return 'not an audit event';
  if (value.kind !== 'Event' && (!inList || value.kind !== undefined)) return 'not an audit event';
  if (value.apiVersion !== API_VERSION && (!inList || value.apiVersion !== undefined)) return unsupported(value.apiVersion);
  const parsed = eventSchema.safeParse(value);
  if (!parsed.success) return describe(parsed.error, value);
  return normalise(parsed.data);
}

// Only a string is quoted: String() of an object can throw (an own `toString` key) or overflow the stack (deep nesting).
function unsupported(apiVersion: unknown): string {
  if (apiVersion === undefined) return 'missing field apiVersion';
  if (typeof apiVersion !== 'string') return 'invalid field apiVersion';
  return `unsupported apiVersion ${terminalSafe(JSON.stringify(apiVersion.slice(0, 40)), 60)}`;
}

function describe(error: z.ZodError, value: Json): string {
  const path = error.issues[0]?.path ?? [];
  let at: unknown = value;
  for (const key of path) at = isRecord(at) || Array.isArray(at) ? (at as Json)[String(key)] : undefined;
  return `${at === undefined ? 'missing' : 'invalid'} field ${fieldName(path)}`;
}

/**
 * A path as far as the schema names it. The keys of a record (annotations, user.extra) are the
 * input's own: any text, which a reason must not print, and any number of them, which would
 * make reasons countless.
 */
function fieldName(path: readonly PropertyKey[]): string {
  const named: string[] = [];
  let schema: unknown = eventSchema;
  for (const key of path) {
    while (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) schema = schema.unwrap();
    if (schema instanceof z.ZodRecord) break;
    named.push(String(key));
    schema = schema instanceof z.ZodObject ? (schema.shape as Record<PropertyKey, unknown>)[key] : schema instanceof z.ZodArray ? schema.element : undefined;
  }
  return named.join('.');
}

function normalise(e: RawEvent): K8sAudit {
  const ref = e.objectRef;
  const status = e.responseStatus;
  return {
    auditID: e.auditID,
    stage: e.stage,
    level: e.level ?? '',
    verb: e.verb,
    requestURI: e.requestURI ?? '',
    user: user(e.user),
    ...(e.impersonatedUser && { impersonatedUser: user(e.impersonatedUser) }),
    sourceIPs: e.sourceIPs ?? [],
    userAgent: e.userAgent ?? '',
    ...(ref && {
      objectRef: {
        resource: ref.resource ?? '',
        ...(ref.subresource && { subresource: ref.subresource }),
        ...(ref.namespace && { namespace: ref.namespace }),
        ...(ref.name && { name: ref.name }),
        ...(ref.apiGroup && { apiGroup: ref.apiGroup }),
        ...(ref.apiVersion && { apiVersion: ref.apiVersion }),
      },
    }),
    ...(status?.code !== undefined && {
      responseStatus: { code: status.code, ...(status.reason && { reason: status.reason }), ...(status.message && { message: status.message }) },
    }),
    ...(e.requestObject !== undefined && e.requestObject !== null && { requestObject: boundRequestObject(e.requestObject) }),
    requestReceivedTimestamp: e.requestReceivedTimestamp,
  };
}

function user(u: z.infer<typeof userInfo>): K8sAudit['user'] {
  return { username: u.username ?? '', ...(u.uid && { uid: u.uid }), ...(u.groups && { groups: u.groups }) };
}

/**
 * The request object, within MAX_REQUEST_OBJECT_BYTES. An oversized one first has its strings cut
 * (padding a privileged pod with a huge annotation, or kubectl's last-applied copy, must not hide
 * its spec); if that is not enough, only `{ truncated: true, kind, apiVersion, metadata }` with
 * the object's identity is kept. Both forms say `truncated: true`.
 */
export function boundRequestObject(value: unknown): unknown {
  const short = shorten(value, 0);
  if (short === TOO_DEEP) return summary(value);
  if (jsonBytes(value) <= MAX_REQUEST_OBJECT_BYTES) return value;
  if (isRecord(short)) {
    const cut = { ...short, truncated: true };
    if (jsonBytes(cut) <= MAX_REQUEST_OBJECT_BYTES) return cut;
  }
  return summary(value);
}

const TOO_DEEP = Symbol('too deep');

/** A copy with long strings cut; TOO_DEEP past MAX_DEPTH (the recursion stops there). */
function shorten(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  const copied: [string | number, unknown][] = [];
  for (const [key, v] of entries) {
    const s = shorten(v, depth + 1);
    if (s === TOO_DEEP) return TOO_DEEP;
    copied.push([key, s]);
  }
  // fromEntries defines own properties, so a "__proto__" key stays data.
  return Array.isArray(value) ? copied.map(([, v]) => v) : Object.fromEntries(copied);
}

function summary(value: unknown): Json {
  const object = isRecord(value) ? value : {};
  const meta = isRecord(object.metadata) ? object.metadata : {};
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, MAX_STRING) : undefined);
  const identity = Object.fromEntries(
    ['name', 'generateName', 'namespace', 'uid'].flatMap((key) => (text(meta[key]) === undefined ? [] : [[key, text(meta[key])]])),
  );
  return {
    truncated: true,
    ...(text(object.kind) !== undefined && { kind: text(object.kind) }),
    ...(text(object.apiVersion) !== undefined && { apiVersion: text(object.apiVersion) }),
    metadata: identity,
  };
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '');
}
