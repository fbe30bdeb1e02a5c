// Counts each API request once across the stages its audit events were logged at. What
// kube-apiserver writes (k8s.io/apiserver endpoints/filters audit.go, authn_audit.go): every
// request gets RequestReceived before any handler runs (so never a request object, nor an
// objectRef name filled from the body), then ResponseComplete, or Panic instead. Long-running
// requests (watch, exec, attach, portforward, proxy, log) also get ResponseStarted when their
// headers go out, and a request that fails authentication gets ResponseStarted only. The
// policy's level is chosen once per request, and omitStages drops whole stages (RequestReceived
// usually), so the first of ResponseStarted, ResponseComplete and Panic holds all a rule reads:
// the request is emitted then, without waiting for the end of a watch or an exec session.
// A request seen only at RequestReceived (a log cut mid-request) is emitted by `flush` or when
// evicted; should its final stage turn up after all, that is emitted too, since only it says
// what the request did. Anything else seen again is a duplicate.
//
// A request is known by its audit ID together with its receipt time, verb, URI and user: the ID
// is the client's own `Audit-ID` header when it sends one, so an ID alone could be reused to
// make a malicious request look like a duplicate of an innocent one.
import { createHash } from 'node:crypto';
import type { K8sAudit } from './audit-event.js';

export interface StageMergerOptions {
  /** Requests waiting for their final stage; past this, the oldest is emitted as it stands. */
  maxPending?: number;
  /** Requests remembered as emitted, to drop their later stages. */
  maxEmitted?: number;
}

export interface StageMergerStats {
  /** Requests emitted. */
  requests: number;
  /** Stage events not emitted on their own: merged into their request, or seen after it was emitted. */
  duplicates: number;
  /** Requests emitted without a final stage (flushed or evicted). */
  partial: number;
}

const isFinal = (stage: string): boolean => stage !== 'RequestReceived';

export class StageMerger {
  readonly stats: StageMergerStats = { requests: 0, duplicates: 0, partial: 0 };
  /** By request key, in order of arrival: a RequestReceived and when it was seen. */
  private readonly pending = new Map<string, { data: K8sAudit; seenAt: number }>();
  /** By request key: whether it was emitted with a final stage. Oldest first. */
  private readonly emitted = new Map<string, boolean>();
  private readonly maxPending: number;
  private readonly maxEmitted: number;

  constructor(
    private readonly onRequest: (data: K8sAudit) => void,
    options: StageMergerOptions = {},
  ) {
    this.maxPending = options.maxPending ?? 10_000;
    this.maxEmitted = options.maxEmitted ?? 50_000;
  }

  /** One stage event; `seenAt` (ms) is when it was read, for `flushSeenBefore`. */
  push(data: K8sAudit, seenAt = 0): void {
    const key = requestKey(data);
    const final = isFinal(data.stage);
    const complete = this.emitted.get(key);
    if (complete !== undefined) {
      if (complete || !final) this.stats.duplicates++;
      else this.emit(key, data, true);
      return;
    }
    const earlier = this.pending.get(key);
    if (!final) {
      if (earlier) this.stats.duplicates++;
      else this.wait(key, data, seenAt);
      return;
    }
    if (earlier) {
      this.pending.delete(key);
      this.stats.duplicates++;
    }
    this.emit(key, earlier ? merge(earlier.data, data) : data, true);
  }

  /** Emits every request still waiting for its final stage, oldest first (the end of a file). */
  flush(): void {
    for (const [key, { data }] of this.pending) this.emitPending(key, data);
  }

  /** Emits the requests waiting since before `cutoff` (ms), oldest first. */
  flushSeenBefore(cutoff: number): void {
    for (const [key, { data, seenAt }] of this.pending) {
      if (seenAt >= cutoff) return;
      this.emitPending(key, data);
    }
  }

  private wait(key: string, data: K8sAudit, seenAt: number): void {
    this.pending.set(key, { data, seenAt });
    if (this.pending.size <= this.maxPending) return;
    const [oldest] = this.pending;
    if (oldest) this.emitPending(oldest[0], oldest[1].data);
  }

  private emitPending(key: string, data: K8sAudit): void {
    this.pending.delete(key);
    this.stats.partial++;
    this.emit(key, data, false);
  }

  private emit(key: string, data: K8sAudit, complete: boolean): void {
    this.emitted.set(key, complete);
    if (this.emitted.size > this.maxEmitted) this.emitted.delete(this.emitted.keys().next().value!);
    this.stats.requests++;
    this.onRequest(data);
  }
}

/** The final stage's fields, and what only the earlier stage had (defensive: real logs never differ so). */
function merge(earlier: K8sAudit, final: K8sAudit): K8sAudit {
  const objectRef = earlier.objectRef && final.objectRef ? { ...earlier.objectRef, ...final.objectRef } : (final.objectRef ?? earlier.objectRef);
  return { ...earlier, ...final, ...(objectRef && { objectRef }) };
}

function requestKey(r: K8sAudit): string {
  const identity = JSON.stringify([r.auditID, r.requestReceivedTimestamp, r.verb, r.requestURI, r.user.username]);
  return createHash('sha256').update(identity).digest('base64');
}
