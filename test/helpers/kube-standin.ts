// A protocol stand-in for kube-apiserver, for tests only: no API server can be installed on this
// machine, so this small node:http server on 127.0.0.1 speaks just enough of the Kubernetes
// list/watch protocol for pods for a real client (@kubernetes/client-node's KubeConfig
// authentication, vigil's k8s watch source) to run against it:
//
//   GET /api/v1/pods                       a PodList whose metadata.resourceVersion is the
//                                          current one (limit/continue ignored: allowed by the API)
//   GET /api/v1/pods?watch=true&resourceVersion=N[&allowWatchBookmarks=true]
//                                          200, chunked, one JSON watch event a line: every change
//                                          after N, then live ones; N older than the compaction
//                                          point → an ERROR event with a 410 Status (or HTTP 410)
//
// resourceVersions are one global counter, as in etcd. Bearer-token authentication: a wrong or
// missing token is 401; a token whose identity is forbidden is 403 with the API's message.
// Tests drive it: add/modify/delete pods, send a BOOKMARK, compact (expire resourceVersions),
// hold new watches, drop or end open watches, inject raw watch lines.
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

type Json = Record<string, unknown>;

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Json;
}

/** One request as the stand-in saw it (path, query, which identity). */
export interface SeenRequest {
  path: string;
  query: Record<string, string>;
  watch: boolean;
  user?: string;
  status: number;
  /** When it arrived (Date.now()). */
  at: number;
}

interface OpenWatch {
  res: ServerResponse;
  bookmarks: boolean;
}

export interface KubeStandInOptions {
  /** The token the kubeconfig carries and the identity it maps to. */
  token?: string;
  user?: string;
  /** Log every request to stderr (debugging the protocol). */
  debug?: boolean;
}

const DEFAULT_TOKEN = 'vigil-standin-token';
const DEFAULT_USER = 'system:serviceaccount:vigil:vigil';

function status(code: number, reason: string, message: string): Json {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

const clone = <T>(v: T): T => structuredClone(v);

export class KubeStandIn {
  readonly requests: SeenRequest[] = [];
  /** token → identity; only these authenticate. */
  readonly tokens = new Map<string, string>();
  /** identities that are authenticated but may not list or watch pods. */
  readonly forbidden = new Set<string>();
  /** How a watch from an expired resourceVersion is refused: a 200 with an ERROR event (what the
   * API server's watch cache does) or an HTTP 410 answer. */
  goneAs: 'event' | 'http' = 'event';
  /** The next this many requests get their connection cut before any answer. */
  failNext = 0;
  readonly token: string;
  readonly user: string;

  private server?: Server;
  private rv = 100;
  /** Events at or below this resourceVersion are gone: watching from before it is 410. */
  private compactedRv = 0;
  private readonly pods = new Map<string, Json>();
  private readonly history: { rv: number; event: WatchEvent }[] = [];
  private readonly watches = new Set<OpenWatch>();
  private held: (() => void)[] | undefined;
  private uidSeq = 0;
  private readonly debug: boolean;

  constructor(options: KubeStandInOptions = {}) {
    this.token = options.token ?? DEFAULT_TOKEN;
    this.user = options.user ?? DEFAULT_USER;
    this.tokens.set(this.token, this.user);
    this.debug = options.debug ?? process.env.VIGIL_KUBE_STANDIN_DEBUG === '1';
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject).listen(port, '127.0.0.1', () => resolve());
    });
    return this;
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('the kube-apiserver stand-in is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  get openWatches(): number {
    return this.watches.size;
  }

  /** The watch requests seen so far. */
  get watchRequests(): SeenRequest[] {
    return this.requests.filter((r) => r.watch);
  }

  /**
   * Writes a kubeconfig pointing at the stand-in with token authentication. client-node refuses an
   * http: server unless insecure-skip-tls-verify is set (KubeConfig.createAgent), so it is.
   */
  writeKubeconfig(dir: string, token = this.token): string {
    const path = join(dir, 'kubeconfig');
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: standin',
        '  cluster:',
        `    server: ${this.url}`,
        '    insecure-skip-tls-verify: true',
        'users:',
        '- name: standin-user',
        '  user:',
        `    token: ${token}`,
        'contexts:',
        '- name: standin',
        '  context:',
        '    cluster: standin',
        '    user: standin-user',
        'current-context: standin',
        '',
      ].join('\n'),
    );
    return path;
  }

  /** Creates a pod (uid and timestamps filled in when absent); returns the stored object. */
  addPod(pod: Json): Json {
    const stored = clone(pod);
    const meta = (stored.metadata ??= {}) as Json;
    meta.namespace ??= 'default';
    meta.uid ??= `00000000-0000-4000-8000-${String(++this.uidSeq).padStart(12, '0')}`;
    meta.creationTimestamp ??= new Date().toISOString();
    stored.kind = 'Pod';
    stored.apiVersion = 'v1';
    const key = `${String(meta.namespace)}/${String(meta.name)}`;
    if (this.pods.has(key)) throw new Error(`pod ${key} exists`);
    meta.resourceVersion = String(++this.rv);
    this.pods.set(key, stored);
    this.record({ type: 'ADDED', object: stored });
    return clone(stored);
  }

  modifyPod(namespace: string, name: string, change: (pod: Json) => void): Json {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (!pod) throw new Error(`no pod ${namespace}/${name}`);
    change(pod);
    (pod.metadata as Json).resourceVersion = String(++this.rv);
    this.record({ type: 'MODIFIED', object: pod });
    return clone(pod);
  }

  deletePod(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    const pod = this.pods.get(key);
    if (!pod) throw new Error(`no pod ${namespace}/${name}`);
    this.pods.delete(key);
    (pod.metadata as Json).resourceVersion = String(++this.rv);
    this.record({ type: 'DELETED', object: pod });
  }

  /**
   * Other resources changed (the counter is global), then a BOOKMARK with the new resourceVersion
   * goes to every open watch that asked for bookmarks. Returns that resourceVersion.
   */
  bookmark(advanceBy = 5): string {
    this.rv += advanceBy;
    const event: WatchEvent = { type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } } };
    for (const w of this.watches) if (w.bookmarks) this.write(w, event);
    return String(this.rv);
  }

  /** Forgets every change up to now: a watch from an older resourceVersion is 410 Gone. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history.length = 0;
  }

  /** Compacts and tells the open watches their resourceVersion is gone (ERROR 410), then ends them. */
  expireWatches(): void {
    this.compact();
    for (const w of [...this.watches]) {
      this.write(w, { type: 'ERROR', object: status(410, 'Expired', 'too old resource version: 1 (2)') });
      this.watches.delete(w);
      w.res.end();
    }
  }

  /** Cuts open watch connections without ending the chunked response (a network drop). */
  dropWatches(): void {
    for (const w of [...this.watches]) {
      this.watches.delete(w);
      w.res.socket?.destroy();
    }
  }

  /** Ends open watches cleanly (the server's watch timeout). */
  endWatches(): void {
    for (const w of [...this.watches]) {
      this.watches.delete(w);
      w.res.end();
    }
  }

  /** New watch requests wait, unanswered, until release(). */
  holdWatches(): void {
    this.held ??= [];
  }

  releaseWatches(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const go of held) go();
  }

  /** Writes a raw line (or event) to every open watch: objects that are not pods, garbage. */
  sendRaw(line: string | WatchEvent): void {
    const text = typeof line === 'string' ? line : JSON.stringify(line);
    for (const w of this.watches) w.res.write(`${text}\n`);
  }

  async close(): Promise<void> {
    this.releaseWatches();
    for (const w of this.watches) w.res.end();
    this.watches.clear();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private record(event: WatchEvent): void {
    const snapshot: WatchEvent = { type: event.type, object: clone(event.object) };
    this.history.push({ rv: this.rv, event: snapshot });
    for (const w of this.watches) this.write(w, snapshot);
  }

  private write(w: OpenWatch, event: WatchEvent): void {
    w.res.write(`${JSON.stringify(event)}\n`);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://standin');
    const query = Object.fromEntries(url.searchParams);
    const watch = query.watch === 'true' || query.watch === '1';
    const auth = req.headers.authorization ?? '';
    const user = auth.startsWith('Bearer ') ? this.tokens.get(auth.slice('Bearer '.length)) : undefined;
    const seen: SeenRequest = { path: url.pathname, query, watch, ...(user && { user }), status: 0, at: Date.now() };
    this.requests.push(seen);
    if (this.failNext > 0) {
      this.failNext--;
      if (this.debug) process.stderr.write(`[kube-standin] ${req.method} ${req.url} → connection cut\n`);
      return void req.socket.destroy();
    }
    const answer = (code: number, body: Json): void => {
      seen.status = code;
      if (this.debug) process.stderr.write(`[kube-standin] ${req.method} ${req.url} → ${code}\n`);
      res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    };

    if (!user) return answer(401, status(401, 'Unauthorized', 'Unauthorized'));
    if (req.method !== 'GET' || url.pathname !== '/api/v1/pods') {
      return answer(404, status(404, 'NotFound', `the server could not find the requested resource (${req.method} ${url.pathname})`));
    }
    if (this.forbidden.has(user)) {
      const verb = watch ? 'watch' : 'list';
      return answer(403, status(403, 'Forbidden', `pods is forbidden: User "${user}" cannot ${verb} resource "pods" in API group "" at the cluster scope`));
    }
    if (!watch) {
      const items = [...this.pods.values()].map(clone);
      return answer(200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items });
    }
    const start = (): void => this.startWatch(req, res, query, seen, answer);
    if (this.held) this.held.push(start);
    else start();
  }

  private startWatch(req: IncomingMessage, res: ServerResponse, query: Record<string, string>, seen: SeenRequest, answer: (code: number, body: Json) => void): void {
    if (req.destroyed || res.destroyed) return;
    const from = query.resourceVersion ?? '';
    const fromRv = from === '' || from === '0' ? undefined : Number(from);
    if (fromRv !== undefined && !Number.isInteger(fromRv)) return answer(400, status(400, 'BadRequest', `invalid resourceVersion ${from}`));
    const expired = fromRv !== undefined && fromRv < this.compactedRv;
    if (expired && this.goneAs === 'http') return answer(410, status(410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`));

    seen.status = 200;
    if (this.debug) process.stderr.write(`[kube-standin] GET ${req.url} → 200 (watch)\n`);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    if (expired) {
      res.end(`${JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`) })}\n`);
      return;
    }
    const w: OpenWatch = { res, bookmarks: query.allowWatchBookmarks === 'true' };
    if (fromRv === undefined) {
      // "Any" resourceVersion: synthetic ADDED events for the current state, then live changes.
      for (const pod of this.pods.values()) this.write(w, { type: 'ADDED', object: pod });
    } else {
      for (const h of this.history) if (h.rv > fromRv) this.write(w, h.event);
    }
    this.watches.add(w);
    const forget = (): void => void this.watches.delete(w);
    res.on('close', forget);
    req.on('close', forget);
  }
}
