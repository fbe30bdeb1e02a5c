// StageMerger: each API request once, however many stages the audit policy logs for it.
import { describe, expect, it } from 'vitest';
import type { K8sAudit } from '../../src/sources/k8s/audit-event.js';
import { StageMerger, type StageMergerOptions } from '../../src/sources/k8s/stages.js';

function stage(stage: string, overrides: Partial<K8sAudit> = {}): K8sAudit {
  return {
    auditID: 'a1',
    stage,
    level: 'Request',
    verb: 'create',
    requestURI: '/api/v1/namespaces/default/pods',
    user: { username: 'dev-alice' },
    sourceIPs: ['10.0.0.23'],
    userAgent: 'kubectl/v1.30.2',
    objectRef: { resource: 'pods', namespace: 'default', apiVersion: 'v1' },
    requestReceivedTimestamp: '2026-11-27T10:00:00.000001Z',
    ...overrides,
  };
}

function merger(options?: StageMergerOptions): { merger: StageMerger; out: K8sAudit[] } {
  const out: K8sAudit[] = [];
  return { merger: new StageMerger((d) => out.push(d), options), out };
}

const complete = (overrides: Partial<K8sAudit> = {}) =>
  stage('ResponseComplete', { objectRef: { resource: 'pods', namespace: 'default', name: 'web', apiVersion: 'v1' }, responseStatus: { code: 201 }, requestObject: { kind: 'Pod' }, ...overrides });

describe('StageMerger', () => {
  it('emits a lone final stage at once', () => {
    const { merger: m, out } = merger();
    m.push(complete());
    expect(out).toEqual([complete()]);
    expect(m.stats).toEqual({ requests: 1, duplicates: 0, partial: 0 });
  });

  it('waits for the final stage after RequestReceived, and emits the request once', () => {
    const { merger: m, out } = merger();
    m.push(stage('RequestReceived'));
    expect(out).toEqual([]);
    m.push(complete());
    expect(out).toEqual([complete()]);
    m.flush();
    expect(out).toHaveLength(1);
    expect(m.stats).toEqual({ requests: 1, duplicates: 1, partial: 0 });
  });

  it('fills in what only the earlier stage had', () => {
    const { merger: m, out } = merger();
    m.push(stage('RequestReceived', { requestObject: { kind: 'Pod', spec: {} }, objectRef: { resource: 'pods', namespace: 'default', apiGroup: '' } }));
    m.push(stage('ResponseComplete', { responseStatus: { code: 201 }, objectRef: { resource: 'pods', namespace: 'default', name: 'web' } }));
    expect(out).toEqual([
      stage('ResponseComplete', { requestObject: { kind: 'Pod', spec: {} }, responseStatus: { code: 201 }, objectRef: { resource: 'pods', namespace: 'default', apiGroup: '', name: 'web' } }),
    ]);
  });

  it('emits a long-running request at ResponseStarted and drops its ResponseComplete', () => {
    const { merger: m, out } = merger();
    const exec = { verb: 'create', requestURI: '/api/v1/namespaces/web/pods/p/exec?command=sh', responseStatus: { code: 101 } };
    m.push(stage('RequestReceived', exec));
    m.push(stage('ResponseStarted', exec));
    expect(out.map((d) => d.stage)).toEqual(['ResponseStarted']);
    m.push(stage('ResponseComplete', exec));
    m.flush();
    expect(out).toHaveLength(1);
    expect(m.stats).toEqual({ requests: 1, duplicates: 2, partial: 0 });
  });

  it('takes Panic as final', () => {
    const { merger: m, out } = merger();
    m.push(stage('RequestReceived'));
    m.push(stage('Panic', { responseStatus: { code: 500, reason: 'InternalError' } }));
    expect(out.map((d) => d.stage)).toEqual(['Panic']);
  });

  it('drops a line seen twice', () => {
    const { merger: m, out } = merger();
    m.push(complete());
    m.push(complete());
    m.push(stage('RequestReceived'));
    m.push(stage('RequestReceived', { auditID: 'a2' }));
    m.push(stage('RequestReceived', { auditID: 'a2' }));
    m.flush();
    expect(out.map((d) => `${d.auditID}/${d.stage}`)).toEqual(['a1/ResponseComplete', 'a2/RequestReceived']);
    expect(m.stats).toEqual({ requests: 2, duplicates: 3, partial: 1 });
  });

  it('does not let a reused Audit-ID (a client header) hide another request', () => {
    const { merger: m, out } = merger();
    m.push(complete({ requestObject: { kind: 'Pod', metadata: { name: 'innocent' } } }));
    m.push(complete({ requestReceivedTimestamp: '2026-11-27T10:00:01.000001Z', requestObject: { kind: 'Pod', metadata: { name: 'privileged' } } }));
    m.push(complete({ verb: 'delete', requestURI: '/api/v1/namespaces/default/events/e1' }));
    m.push(complete({ user: { username: 'mallory' } }));
    expect(out).toHaveLength(4);
  });

  it('flushes requests seen only at RequestReceived, oldest first', () => {
    const { merger: m, out } = merger();
    for (const id of ['r3', 'r1', 'r2']) m.push(stage('RequestReceived', { auditID: id }));
    m.push(complete({ auditID: 'r1' }));
    m.flush();
    expect(out.map((d) => `${d.auditID}/${d.stage}`)).toEqual(['r1/ResponseComplete', 'r3/RequestReceived', 'r2/RequestReceived']);
    expect(m.stats.partial).toBe(2);
  });

  it('flushes by age: only what waited since before the cutoff', () => {
    const { merger: m, out } = merger();
    m.push(stage('RequestReceived', { auditID: 'old' }), 1000);
    m.push(stage('RequestReceived', { auditID: 'new' }), 5000);
    m.flushSeenBefore(3000);
    expect(out.map((d) => d.auditID)).toEqual(['old']);
    m.flushSeenBefore(3000);
    expect(out).toHaveLength(1);
    m.flushSeenBefore(6000);
    expect(out.map((d) => d.auditID)).toEqual(['old', 'new']);
  });

  it('emits a final stage that arrives after its request was flushed: only it says what was done', () => {
    const { merger: m, out } = merger();
    m.push(stage('RequestReceived'), 0);
    m.flushSeenBefore(30_000);
    m.push(complete());
    m.push(complete());
    expect(out.map((d) => d.stage)).toEqual(['RequestReceived', 'ResponseComplete']);
    expect(out[1]!.requestObject).toEqual({ kind: 'Pod' });
    expect(m.stats).toEqual({ requests: 2, duplicates: 1, partial: 1 });
  });

  it('evicts the oldest waiting request past maxPending', () => {
    const { merger: m, out } = merger({ maxPending: 2 });
    for (const id of ['p1', 'p2', 'p3']) m.push(stage('RequestReceived', { auditID: id }));
    expect(out.map((d) => d.auditID)).toEqual(['p1']);
    m.push(complete({ auditID: 'p2' }));
    expect(out.map((d) => `${d.auditID}/${d.stage}`)).toEqual(['p1/RequestReceived', 'p2/ResponseComplete']);
  });

  it('forgets the oldest emitted requests past maxEmitted', () => {
    const { merger: m, out } = merger({ maxEmitted: 2 });
    for (const id of ['e1', 'e2', 'e3']) m.push(stage('ResponseStarted', { auditID: id }));
    m.push(stage('ResponseComplete', { auditID: 'e3' }));
    m.push(stage('ResponseComplete', { auditID: 'e1' }));
    expect(out.map((d) => `${d.auditID}/${d.stage}`)).toEqual(['e1/ResponseStarted', 'e2/ResponseStarted', 'e3/ResponseStarted', 'e1/ResponseComplete']);
  });

  it('is deterministic, and accounts for every stage event', () => {
    const input: K8sAudit[] = [];
    for (let i = 0; i < 300; i++) {
      const id = `id-${i % 97}`;
      const stages = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'];
      input.push(stage(stages[(i * 7) % 4]!, { auditID: id, requestReceivedTimestamp: `2026-11-27T10:00:0${i % 3}.000000Z` }));
    }
    const run = () => {
      const { merger: m, out } = merger({ maxPending: 16, maxEmitted: 64 });
      for (const d of input) m.push(d);
      m.flush();
      expect(m.stats.requests + m.stats.duplicates).toBe(input.length);
      return out.map((d) => `${d.auditID}@${d.requestReceivedTimestamp}/${d.stage}`);
    };
    expect(run()).toEqual(run());
  });
});
