// The pod watch source against a local kube-apiserver protocol stand-in (test/helpers/kube-standin.ts:
// no API server can be installed here), authenticated through @kubernetes/client-node's KubeConfig
// from a kubeconfig file the stand-in writes: startup snapshots, live changes, resumption after a
// dropped connection and after BOOKMARKs, 410 Gone relists that report only what changed, auth
// failures, no configuration at all, and a stop() that leaves nothing running.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkEvent, type EventOf, type UnsequencedEvent } from '../../src/engine/events.js';
import { K8sWatchSource, NO_KUBECONFIG, type K8sWatchSourceOptions } from '../../src/sources/k8s/watch.js';
import { KubeStandIn } from '../helpers/kube-standin.js';

type Snapshot = Omit<EventOf<'k8s/pod.snapshot'>, 'seq'>;
type Status = Omit<EventOf<'vigil/source.status'>, 'seq'>;

const FAST = { initialMs: 50, maxMs: 400 };

// Realistic pods, as the API server returns them (status trimmed).
const privilegedPod = {
  metadata: { name: 'debug-shell', namespace: 'default', uid: '6f0d3c1e-8a8e-4f5b-9d51-2b1f0e7c9a01', labels: { run: 'debug-shell' } },
  spec: {
    nodeName: 'node-1',
    serviceAccountName: 'default',
    restartPolicy: 'Always',
    containers: [
      { name: 'shell', image: 'docker.io/library/alpine:3.20', command: ['sh', '-c', 'sleep infinity'], securityContext: { privileged: true } },
    ],
  },
  status: { phase: 'Running', podIP: '10.244.1.7' },
};

/** A static pod's mirror: the kubelet creates it from a manifest, owned by the Node. */
const mirrorPod = {
  metadata: {
    name: 'etcd-node-1',
    namespace: 'kube-system',
    uid: '0b9a5f6e-3c2d-4e1f-8a7b-6c5d4e3f2a10',
    labels: { component: 'etcd', tier: 'control-plane' },
    annotations: {
      'kubeadm.kubernetes.io/etcd.advertise-client-urls': 'https://172.18.0.2:2379',
      'kubernetes.io/config.hash': '5c5f4e0a9b8d7c6e5f4a3b2c1d0e9f8a',
      'kubernetes.io/config.mirror': '5c5f4e0a9b8d7c6e5f4a3b2c1d0e9f8a',
      'kubernetes.io/config.seen': '2024-11-02T09:14:03.112870123Z',
      'kubernetes.io/config.source': 'file',
    },
    ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'c2f1e0d9-b8a7-4c6d-9e5f-4a3b2c1d0e9f', controller: true }],
  },
  spec: {
    nodeName: 'node-1',
    hostNetwork: true,
    priorityClassName: 'system-node-critical',
    containers: [
      {
        name: 'etcd',
        image: 'registry.k8s.io/etcd:3.5.15-0',
        command: ['etcd', '--data-dir=/var/lib/etcd', '--cert-file=/etc/kubernetes/pki/etcd/server.crt'],
        volumeMounts: [
          { name: 'etcd-data', mountPath: '/var/lib/etcd' },
          { name: 'etcd-certs', mountPath: '/etc/kubernetes/pki/etcd' },
        ],
      },
    ],
    volumes: [
      { name: 'etcd-certs', hostPath: { path: '/etc/kubernetes/pki/etcd', type: 'DirectoryOrCreate' } },
      { name: 'etcd-data', hostPath: { path: '/var/lib/etcd', type: 'DirectoryOrCreate' } },
    ],
  },
  status: { phase: 'Running' },
};

/** The node's whole filesystem mounted writable. */
const hostRootPod = {
  metadata: { name: 'node-inspector', namespace: 'tools', uid: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b' },
  spec: {
    nodeName: 'node-2',
    hostPID: true,
    serviceAccountName: 'inspector',
    containers: [{ name: 'inspect', image: 'busybox:1.36', command: ['sleep', '3600'], volumeMounts: [{ name: 'host', mountPath: '/host' }] }],
    volumes: [{ name: 'host', hostPath: { path: '/', type: 'Directory' } }],
  },
  status: { phase: 'Running' },
};

const webPod = {
  metadata: {
    name: 'web-7d4b9c6f5d-x2x9z',
    namespace: 'shop',
    uid: '3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d',
    labels: { app: 'web', 'pod-template-hash': '7d4b9c6f5d' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c6f5d', uid: '1f2e3d4c-5b6a-4978-8a9b-0c1d2e3f4a5b', controller: true }],
  },
  spec: {
    nodeName: 'node-2',
    serviceAccountName: 'web',
    containers: [
      {
        name: 'nginx',
        image: 'nginx:1.27',
        securityContext: { allowPrivilegeEscalation: false, runAsUser: 101, capabilities: { drop: ['ALL'] } },
        volumeMounts: [{ name: 'kube-api-access-x7k2p', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }],
      },
    ],
    volumes: [{ name: 'kube-api-access-x7k2p', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] } }],
  },
  status: { phase: 'Running' },
};

function pod(name: string, namespace = 'default', image = 'nginx:1.27'): Record<string, unknown> {
  return { metadata: { name, namespace }, spec: { nodeName: 'node-1', containers: [{ name: 'main', image }] }, status: { phase: 'Pending' } };
}

let dir: string;
let standin: KubeStandIn;
const sources: K8sWatchSource[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-k8s-'));
  standin = await new KubeStandIn().start();
});

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
  await standin.close();
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  source: K8sWatchSource;
  events: UnsequencedEvent[];
  snapshots(): Snapshot[];
  statuses(): Status['data'][];
}

function kubeConfig(token?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(standin.writeKubeconfig(dir, token));
  return kc;
}

function watch(options: K8sWatchSourceOptions = { kubeConfig: kubeConfig(), backoff: FAST }): Run {
  const events: UnsequencedEvent[] = [];
  const source = new K8sWatchSource(options);
  sources.push(source);
  source.start((e) => events.push(e));
  return {
    source,
    events,
    snapshots: () => events.filter((e): e is Snapshot => e.source === 'k8s' && e.kind === 'pod.snapshot'),
    statuses: () => events.filter((e): e is Status => e.source === 'vigil' && e.kind === 'source.status').map((e) => e.data),
  };
}

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const brief = (s: Snapshot): string => `${s.data.reason} ${s.data.pod.namespace}/${s.data.pod.name}`;
const lists = (): number => standin.requests.filter((r) => !r.watch).length;

/** Started with the four pods, listed, and watching. */
async function watching(run = watch()): Promise<Run> {
  await until('the watch', () => standin.openWatches === 1 && run.snapshots().length >= 1);
  return run;
}

function addFourPods(): void {
  for (const p of [privilegedPod, mirrorPod, hostRootPod, webPod]) standin.addPod(p);
}

describe('the pod watch against a local kube-apiserver protocol stand-in', () => {
  it('reports each pod present at start once, as startup, normalised (privileged, mirror/static, hostPath /)', async () => {
    addFourPods();
    vi.stubEnv('KUBECONFIG', standin.writeKubeconfig(dir)); // the default path: loadFromDefault()
    const run = await watching(watch({ backoff: FAST }));

    expect(run.snapshots().map(brief).sort()).toEqual([
      'startup default/debug-shell',
      'startup kube-system/etcd-node-1',
      'startup shop/web-7d4b9c6f5d-x2x9z',
      'startup tools/node-inspector',
    ]);
    for (const e of run.events) expect(checkEvent({ seq: 1, ...e }).ok).toBe(true);
    const byName = new Map(run.snapshots().map((s) => [s.data.pod.name, s.data.pod]));
    expect(byName.get('debug-shell')?.containers[0]).toMatchObject({ image: 'docker.io/library/alpine:3.20', privileged: true });
    expect(byName.get('etcd-node-1')).toMatchObject({
      annotations: { 'kubernetes.io/config.mirror': '5c5f4e0a9b8d7c6e5f4a3b2c1d0e9f8a' },
      ownerReferences: [{ kind: 'Node', name: 'node-1' }],
      hostNetwork: true,
      volumes: [{ name: 'etcd-certs', hostPath: '/etc/kubernetes/pki/etcd' }, { name: 'etcd-data', hostPath: '/var/lib/etcd' }],
    });
    expect(byName.get('node-inspector')).toMatchObject({ hostPID: true, volumes: [{ name: 'host', hostPath: '/' }] });
    expect(byName.get('node-inspector')?.containers[0]?.volumeMounts).toEqual([{ name: 'host', mountPath: '/host', readOnly: false }]);
    expect(byName.get('web-7d4b9c6f5d-x2x9z')?.containers[0]).toMatchObject({ privileged: false, allowPrivilegeEscalation: false, runAsUser: 101, capDrop: ['ALL'] });

    expect(run.statuses()).toEqual([{ source: 'k8s-watch', state: 'up', reason: `watching pods in all namespaces on ${standin.url} (4 pods)` }]);
    // What went over the wire: a paged list, then a watch from its resourceVersion with bookmarks.
    const [list, watchRequest] = standin.requests;
    expect(list).toMatchObject({ path: '/api/v1/pods', watch: false, user: standin.user, query: { limit: '500' } });
    expect(watchRequest).toMatchObject({
      path: '/api/v1/pods',
      watch: true,
      user: standin.user,
      query: { watch: 'true', resourceVersion: '104', allowWatchBookmarks: 'true' },
    });
    expect(Number(watchRequest?.query.timeoutSeconds)).toBeGreaterThanOrEqual(300);
  });

  it('reports later ADDED, MODIFIED and DELETED pods as they come', async () => {
    addFourPods();
    const run = await watching();
    standin.addPod(pod('api-0', 'shop'));
    standin.modifyPod('shop', 'api-0', (p) => {
      ((p.spec as { containers: Record<string, unknown>[] }).containers[0] as Record<string, unknown>).securityContext = { privileged: true };
    });
    standin.deletePod('default', 'debug-shell');
    await until('three changes', () => run.snapshots().length === 7);

    const changes = run.snapshots().slice(4);
    expect(changes.map(brief)).toEqual(['added shop/api-0', 'modified shop/api-0', 'deleted default/debug-shell']);
    expect(changes[0]?.data.pod.containers[0]?.privileged).toBe(false);
    expect(changes[1]?.data.pod.containers[0]?.privileged).toBe(true);
    expect(changes[2]?.data.pod.containers[0]?.privileged).toBe(true);
    expect(run.source.lastResourceVersion).toBe(standin.resourceVersion);
  });

  it('resumes after a dropped connection from the last resourceVersion: down then up, nothing missed, nothing twice', async () => {
    addFourPods();
    const run = await watching();
    standin.addPod(pod('batch-1'));
    await until('the added pod', () => run.snapshots().length === 5);
    const seenRv = standin.resourceVersion;

    standin.holdWatches(); // the reconnection waits while the cluster changes
    standin.dropWatches();
    await until('the reconnection', () => standin.watchRequests.length === 2);
    standin.modifyPod('shop', 'web-7d4b9c6f5d-x2x9z', (p) => void ((p.status as Record<string, unknown>).phase = 'Succeeded'));
    standin.addPod(pod('batch-2'));
    standin.deletePod('default', 'batch-1');
    standin.releaseWatches();
    await until('the missed changes', () => run.snapshots().length === 8);
    await new Promise((r) => setTimeout(r, 100)); // and nothing more

    expect(run.snapshots().slice(5).map(brief)).toEqual(['modified shop/web-7d4b9c6f5d-x2x9z', 'added default/batch-2', 'deleted default/batch-1']);
    expect(run.snapshots()[5]?.data.pod.phase).toBe('Succeeded');
    expect(standin.watchRequests[1]?.query.resourceVersion).toBe(seenRv);
    expect(lists()).toBe(1);
    const [up, down, upAgain, ...rest] = run.statuses();
    expect(up?.state).toBe('up');
    expect(down).toMatchObject({ state: 'down', reason: expect.stringContaining(standin.url) });
    expect(upAgain).toEqual({ source: 'k8s-watch', state: 'up', reason: `reconnected to ${standin.url}, watching pods from resourceVersion ${seenRv}` });
    expect(rest).toEqual([]);
  });

  it('retries connection errors with a backoff doubling to its longest, then reports up again', async () => {
    addFourPods();
    standin.failNext = 5; // list attempts: cut, cut, cut, cut, cut, then answered
    const run = watch({ kubeConfig: kubeConfig(), backoff: { initialMs: 40, maxMs: 200 } });
    await watching(run);
    const gaps = standin.requests.slice(0, 6).map((r, i, all) => (i === 0 ? 0 : r.at - all[i - 1]!.at));
    for (const [i, expected] of [40, 80, 160, 200, 200].entries()) {
      expect(gaps[i + 1]).toBeGreaterThanOrEqual(expected - 5);
      expect(gaps[i + 1]).toBeLessThan(expected + 500); // slack for a loaded machine
    }
    const statuses = run.statuses();
    expect(statuses[0]).toEqual({ source: 'k8s-watch', state: 'down', reason: `${standin.url}: socket hang up (ECONNRESET)` });
    expect(statuses.slice(1)).toEqual([{ source: 'k8s-watch', state: 'up', reason: `watching pods in all namespaces on ${standin.url} (4 pods)` }]);
    expect(run.source.stats.failures).toBe(5);
    expect(run.snapshots()).toHaveLength(4);
  });

  it('resumes from the resourceVersion of a BOOKMARK: past compaction without a relist', async () => {
    addFourPods();
    const run = await watching();
    const listRv = standin.resourceVersion;
    const bookmarkRv = standin.bookmark();
    await until('the bookmark', () => run.source.stats.bookmarks === 1);
    expect(run.source.lastResourceVersion).toBe(bookmarkRv);

    // Everything before the bookmark is compacted away: resuming from the list's version would be 410.
    standin.compact();
    standin.dropWatches();
    await until('the resumed watch', () => standin.openWatches === 1 && standin.watchRequests.length === 2);
    standin.addPod(pod('after-bookmark'));
    await until('the added pod', () => run.snapshots().length === 5);

    expect(listRv).not.toBe(bookmarkRv);
    expect(standin.watchRequests[1]?.query.resourceVersion).toBe(bookmarkRv);
    expect(lists()).toBe(1);
    expect(run.source.stats.relists).toBe(0);
    expect(run.snapshots().slice(4).map(brief)).toEqual(['added default/after-bookmark']);
  });

  it.each([
    ['an ERROR event with a 410 Status', 'event' as const],
    ['an HTTP 410 answer', 'http' as const],
  ])('on 410 Gone (%s) relists and reports only what changed, once', async (_, goneAs) => {
    addFourPods();
    standin.goneAs = goneAs;
    const run = await watching();
    const staleRv = standin.resourceVersion;

    standin.holdWatches();
    standin.dropWatches();
    await until('the reconnection', () => standin.watchRequests.length === 2);
    standin.modifyPod('default', 'debug-shell', (p) => void ((p.metadata as Record<string, unknown>).labels = { run: 'debug-shell', touched: 'yes' }));
    standin.deletePod('tools', 'node-inspector');
    standin.addPod(pod('miner', 'shop', 'xmrig/xmrig:6.21'));
    standin.compact();
    standin.releaseWatches(); // the held watch, from the stale version, is answered 410
    await until('the relist', () => run.source.stats.relists === 1 && standin.openWatches === 1);
    await new Promise((r) => setTimeout(r, 100));

    expect(standin.watchRequests[1]?.query.resourceVersion).toBe(staleRv);
    expect(lists()).toBe(2);
    expect(run.snapshots().slice(4).map(brief).sort()).toEqual(['added shop/miner', 'deleted tools/node-inspector', 'modified default/debug-shell']);
    expect(run.snapshots().filter((s) => s.data.reason === 'startup')).toHaveLength(4);
    expect(run.statuses().at(-1)).toEqual({
      source: 'k8s-watch',
      state: 'up',
      reason: `resourceVersion ${staleRv} expired (410 Gone, ${goneAs === 'event' ? 'ERROR event' : 'HTTP 410'}): relisted 4 pods (1 added, 1 modified, 1 deleted)`,
    });
    // And it watches from the new list's version.
    expect(standin.watchRequests.at(-1)?.query.resourceVersion).toBe(standin.resourceVersion);
    standin.addPod(pod('later'));
    await until('a later pod', () => run.snapshots().at(-1)?.data.pod.name === 'later');
  });

  it('on an ERROR 410 sent on the open watch relists and, nothing having changed, reports no pod again', async () => {
    addFourPods();
    const run = await watching();
    standin.expireWatches();
    await until('the relist', () => run.source.stats.relists === 1 && standin.openWatches === 1);
    expect(run.snapshots()).toHaveLength(4);
    expect(run.statuses().at(-1)?.reason).toMatch(/410 Gone, ERROR event\): relisted 4 pods \(0 added, 0 modified, 0 deleted\)$/);
  });

  it('counts and skips watch objects that are not pods and lines that are not watch events', async () => {
    addFourPods();
    const run = await watching();
    standin.sendRaw({ type: 'ADDED', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', namespace: 'default', resourceVersion: '200' }, data: {} } });
    standin.sendRaw('this is not json');
    standin.sendRaw('{"type":"SOMETHING","object":{}}');
    standin.addPod(pod('real'));
    await until('the real pod', () => run.snapshots().length === 5);
    expect(run.snapshots()[4]?.data.reason).toBe('added');
    expect(run.source.stats).toMatchObject({ notPods: 1, malformed: 2, snapshots: 5 });
  });

  it('reports a rejected token as down (unauthorized), keeps retrying at the longest backoff, and recovers', async () => {
    addFourPods();
    const run = watch({ kubeConfig: kubeConfig('expired-token'), backoff: FAST });
    await until('the auth failure', () => run.statuses().length === 1);
    expect(run.statuses()[0]).toEqual({ source: 'k8s-watch', state: 'down', reason: `unauthorized: ${standin.url} rejected the kubeconfig's credentials (Unauthorized)` });
    await until('retries', () => standin.requests.length >= 3, 3000);
    const [a, b, c] = standin.requests;
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(FAST.maxMs - 5);
    expect(c!.at - b!.at).toBeGreaterThanOrEqual(FAST.maxMs - 5);
    expect(run.statuses()).toHaveLength(1); // the same failure is not reported again
    expect(run.snapshots()).toEqual([]);

    standin.tokens.set('expired-token', 'system:serviceaccount:vigil:renewed');
    await watching(run);
    expect(run.statuses().at(-1)?.state).toBe('up');
    expect(run.snapshots()).toHaveLength(4);
  });

  it('reports an identity that may not list pods as down (forbidden) with the API server’s message', async () => {
    addFourPods();
    standin.forbidden.add(standin.user);
    const run = watch();
    await until('the auth failure', () => run.statuses().length === 1);
    expect(run.statuses()[0]).toEqual({
      source: 'k8s-watch',
      state: 'down',
      reason: `forbidden: cannot list pods in all namespaces (pods is forbidden: User "${standin.user}" cannot list resource "pods" in API group "" at the cluster scope)`,
    });
    expect(run.snapshots()).toEqual([]);
    standin.forbidden.clear();
    await watching(run);
    expect(run.snapshots()).toHaveLength(4);
  });

  it.skipIf(existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token'))(
    'with no kubeconfig and no in-cluster configuration reports the source off (not a Kubernetes host) and does nothing else',
    async () => {
      vi.stubEnv('KUBECONFIG', '');
      vi.stubEnv('HOME', dir); // no ~/.kube/config there
      const run = watch({});
      await until('the status', () => run.events.length === 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(run.events).toHaveLength(1);
      expect(run.statuses()).toEqual([{ source: 'k8s-watch', state: 'off', reason: NO_KUBECONFIG }]);
      await run.source.stop();
      expect(standin.requests).toEqual([]);
    },
  );

  it('reports a kubeconfig that cannot be read as down with why', async () => {
    vi.stubEnv('KUBECONFIG', join(dir, 'missing-kubeconfig'));
    const run = watch({});
    await until('the status', () => run.events.length === 1);
    expect(run.statuses()[0]).toMatchObject({ state: 'down', reason: expect.stringMatching(/^kubeconfig: ENOENT/) });
  });

  it('stop() ends an open watch, an unanswered one and a backoff wait at once, leaving no timer or socket', async () => {
    const active = (): string[] => process.getActiveResourcesInfo().filter((r) => r === 'Timeout' || r === 'TCPSocketWrap');
    const before = active().length;
    addFourPods();

    const open = await watching();
    let t = Date.now();
    await open.source.stop();
    expect(Date.now() - t).toBeLessThan(500);
    await until('the server to see the watch closed', () => standin.openWatches === 0);

    standin.holdWatches();
    const held = watch();
    await until('the held watch request', () => standin.watchRequests.length === 2);
    t = Date.now();
    await held.source.stop();
    expect(Date.now() - t).toBeLessThan(500);
    standin.releaseWatches();

    standin.failNext = 1;
    const waiting = watch({ kubeConfig: kubeConfig() }); // default backoff: 1 s after the first failure
    await until('the failure', () => waiting.statuses().length === 1);
    t = Date.now();
    await waiting.source.stop();
    expect(Date.now() - t).toBeLessThan(500);

    const events = open.events.length + held.events.length + waiting.events.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(open.events.length + held.events.length + waiting.events.length).toBe(events); // nothing after stop
    await until('no timer or socket left', () => active().length <= before, 2000);
  });
});
