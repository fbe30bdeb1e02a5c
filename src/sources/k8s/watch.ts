// The Kubernetes pod watch: lists the pods of every namespace, then watches them from the list's
// resourceVersion, and emits one k8s/pod.snapshot per pod it learns of or sees change.
//
// The kubeconfig (or in-cluster service account) is read by @kubernetes/client-node's KubeConfig,
// which also authenticates each request (tokens, client certificates, exec and auth-provider
// plugins, proxies, TLS options: applyToHTTPSOptions). The list and watch requests themselves are
// made here, on node:http(s), because the library's own loops (1.4.0) get cases this source must
// get right wrong:
//  - ListWatch (dist/cache.js) never sends allowWatchBookmarks, reconnects a closed watch at once
//    with no backoff, and gives up for good on a connection error or a failed list (it calls the
//    error callbacks and returns); a stop() during its list still starts the watch afterwards.
//  - Watch (dist/watch.js) hands back its AbortController only once response headers have
//    arrived, so a request still connecting cannot be aborted, and drops the Status body of a
//    failed request (the API server's "pods is forbidden: User … cannot list …").
//
// Resumption: every watch starts from the last resourceVersion seen (list, object or BOOKMARK).
// 410 Gone (an ERROR event whose Status code is 410, or an HTTP 410) means that version has been
// compacted away: the pods are listed again and only what differs from what was already reported
// (per pod uid, by resourceVersion) is emitted. Connection errors are retried with backoff (1 s
// doubling to 30 s) and reported 'down' then 'up'; a 401 or 403 is reported with its reason and
// retried at the longest backoff.
import { request as httpRequest, type Agent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Pod, SourceState } from '../../engine/events.js';
import { obj, str, type Json } from '../../engine/json.js';
import { podFromObject } from '../../engine/k8s-pod.js';
import { splitLines } from '../lines.js';
import { isoNow, sourceStatus, type Emit, type Source } from '../source.js';

export const NO_KUBECONFIG = 'no kubeconfig or in-cluster configuration';

/** A pod object in a watch event (pods run up to ~1.5 MiB of JSON); longer lines are malformed. */
const MAX_LINE = 16 * 1024 * 1024;
/** A list page; the API server pages at `limit` items. */
const MAX_BODY = 128 * 1024 * 1024;
const PAGE_LIMIT = 500;
/** The API server ends a watch after timeoutSeconds; jittered like client-go's reflector. */
const WATCH_TIMEOUT_S = 300;
/** What is kept of a failed request's body, to read the Status message from. */
const MAX_ERROR_BODY = 64 * 1024;

export interface K8sWatchSourceOptions {
  /** The cluster to watch; default: KubeConfig.loadFromDefault() ($KUBECONFIG, ~/.kube/config, in-cluster). */
  kubeConfig?: KubeConfig;
  /** Reconnection backoff, first and longest delay (default 1 s doubling to 30 s). */
  backoff?: { initialMs: number; maxMs: number };
}

export interface K8sWatchSourceStats {
  snapshots: number;
  /** Watch or list objects that were not pods (counted, skipped). */
  notPods: number;
  /** Watch lines that were not JSON watch events. */
  malformed: number;
  bookmarks: number;
  /** Lists after the first: each a 410 Gone. */
  relists: number;
  /** Failed requests (connection, HTTP, auth) that were retried. */
  failures: number;
}

/** An answer other than 2xx, with the API's Status message when it sent one. */
class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly verb: 'list' | 'watch',
    message: string,
  ) {
    super(message);
  }
}

/** The resourceVersion the watch started from has been compacted away. */
class Gone extends Error {
  constructor(
    readonly from: string,
    readonly how: string,
  ) {
    super(`resourceVersion ${from} expired (410 Gone, ${how})`);
  }
}

/** Reading the kubeconfig or authenticating a request failed (no request was made). */
class ConfigError extends Error {}


interface Known {
  resourceVersion: string;
  pod: Pod;
}

export class K8sWatchSource implements Source {
  readonly name = 'k8s-watch';
  readonly stats: K8sWatchSourceStats = { snapshots: 0, notPods: 0, malformed: 0, bookmarks: 0, relists: 0, failures: 0 };
  private emit: Emit = () => {};
  private readonly abort = new AbortController();
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private wake?: () => void;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private delayMs: number;

  private kc?: KubeConfig;
  private server = '';
  /** Every pod reported and not deleted, by uid: what a relist is compared with. */
  private readonly known = new Map<string, Known>();
  private listed = false;
  private resourceVersion = '';
  private lastStatus?: { state: SourceState; reason: string };
  private lastWatchStart = 0;

  constructor(private readonly options: K8sWatchSourceOptions = {}) {
    this.initialMs = options.backoff?.initialMs ?? 1000;
    this.maxMs = options.backoff?.maxMs ?? 30_000;
    this.delayMs = this.initialMs;
  }

  start(emit: Emit): void {
    this.emit = emit;
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.running;
  }

  /** The resourceVersion the next watch starts from ('' until listed, and after a 410). */
  get lastResourceVersion(): string {
    return this.resourceVersion;
  }

  private async run(): Promise<void> {
    const config = await loadConfig(this.options.kubeConfig);
    if (this.stopped) return;
    // No cluster configured is a host without Kubernetes, not an outage.
    if ('reason' in config) return this.status(config.reason.startsWith(NO_KUBECONFIG) ? 'off' : 'down', config.reason);
    this.kc = config.kc;
    this.server = config.server;
    let gone: Gone | undefined;
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) {
          await this.list(gone);
          gone = undefined;
        }
        await this.pace();
        await this.watch();
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof Gone) {
          gone = err;
          this.resourceVersion = '';
          continue;
        }
        this.stats.failures++;
        const auth = err instanceof ApiError && (err.code === 401 || err.code === 403);
        this.status('down', reasonOf(err, this.server));
        await this.sleep(auth ? this.maxMs : this.delayMs);
        this.delayMs = auth ? this.maxMs : Math.min(this.delayMs * 2, this.maxMs);
      }
    }
  }

  /** Lists every pod (all pages), then reports them: all at the first list, the differences after. */
  private async list(gone: Gone | undefined): Promise<void> {
    const items: unknown[] = [];
    let resourceVersion = '';
    let next = '';
    do {
      const res = await this.request('list', { limit: String(PAGE_LIMIT), ...(next && { continue: next }) });
      const page = obj(JSON.parse((await readBody(res, MAX_BODY)).toString('utf8')));
      const meta = obj(page.metadata);
      if (!resourceVersion) resourceVersion = str(meta.resourceVersion);
      if (Array.isArray(page.items)) items.push(...page.items);
      next = str(meta.continue);
    } while (next && !this.stopped);
    if (this.stopped) return;
    this.delayMs = this.initialMs;

    const first = !this.listed;
    const present = new Set<string>();
    const changed = { added: 0, modified: 0, deleted: 0 };
    for (const item of items) {
      const pod = podFromObject(item);
      if (!pod) {
        this.stats.notPods++;
        continue;
      }
      const key = podKey(pod);
      const rv = str(obj(obj(item).metadata).resourceVersion);
      present.add(key);
      const prev = this.known.get(key);
      this.known.set(key, { resourceVersion: rv, pod });
      if (first) this.snapshot('startup', pod);
      else if (!prev) {
        changed.added++;
        this.snapshot('added', pod);
      } else if (prev.resourceVersion !== rv) {
        changed.modified++;
        this.snapshot('modified', pod);
      }
    }
    for (const [key, prev] of this.known) {
      if (present.has(key)) continue;
      this.known.delete(key);
      changed.deleted++;
      this.snapshot('deleted', prev.pod);
    }
    this.listed = true;
    this.resourceVersion = resourceVersion;
    if (first) this.status('up', `watching pods in all namespaces on ${this.server} (${present.size} pods)`);
    else {
      if (gone) this.stats.relists++;
      const what = `${changed.added} added, ${changed.modified} modified, ${changed.deleted} deleted`;
      this.status('up', gone ? `${gone.message}: relisted ${present.size} pods (${what})` : `relisted ${present.size} pods on ${this.server} (${what})`);
    }
  }

  /** One watch from the current resourceVersion, until the server ends it (resolves) or it fails (throws). */
  private async watch(): Promise<void> {
    const from = this.resourceVersion;
    const timeout = Math.round(WATCH_TIMEOUT_S * (1 + Math.random()));
    this.lastWatchStart = Date.now();
    const res = await this.request('watch', {
      watch: 'true',
      resourceVersion: from,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(timeout),
    });
    this.delayMs = this.initialMs;
    if (this.lastStatus?.state !== 'up') this.status('up', `reconnected to ${this.server}, watching pods from resourceVersion ${from}`);
    let failure: Error | undefined;
    const onLine = splitLines((line) => {
      if (!failure) failure = this.event(line, from);
    }, MAX_LINE);
    for await (const chunk of res) {
      onLine(chunk as Buffer);
      if (failure) throw failure; // leaving the loop destroys the response
    }
  }

  /** One watch line; an error to end the watch with, if it says so. */
  private event(line: string, from: string): Error | undefined {
    let type: unknown;
    let object: Json;
    try {
      const event = obj(JSON.parse(line));
      type = event.type;
      object = obj(event.object);
    } catch {
      this.stats.malformed++;
      return undefined;
    }
    if (type === 'ERROR') {
      const code = typeof object.code === 'number' ? object.code : 0;
      if (code === 410 || object.reason === 'Expired' || object.reason === 'Gone') return new Gone(from, 'ERROR event');
      return new Error(`watch error ${code || ''}: ${str(object.message) || 'no message'}`.replace(' :', ':'));
    }
    const rv = str(obj(object.metadata).resourceVersion);
    if (type === 'BOOKMARK') {
      this.stats.bookmarks++;
      if (rv) this.resourceVersion = rv;
      return undefined;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') {
      this.stats.malformed++;
      return undefined;
    }
    if (rv) this.resourceVersion = rv;
    const pod = podFromObject(object);
    if (!pod) {
      this.stats.notPods++;
      return undefined;
    }
    const key = podKey(pod);
    const prev = this.known.get(key);
    if (type === 'DELETED') {
      this.known.delete(key);
      this.snapshot('deleted', pod);
    } else if (prev?.resourceVersion !== rv || !rv) {
      this.known.set(key, { resourceVersion: rv, pod });
      this.snapshot(type === 'ADDED' ? 'added' : 'modified', pod);
    }
    return undefined;
  }

  /**
   * A GET of /api/v1/pods, authenticated by the kubeconfig; resolves with a 2xx response, throws
   * ApiError (or Gone for a watch's 410) otherwise. stop() aborts it in any phase.
   */
  private async request(verb: 'list' | 'watch', query: Record<string, string>): Promise<IncomingMessage> {
    const kc = this.kc!;
    const url = new URL(`${this.server.replace(/\/+$/, '')}/api/v1/pods`);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const opts: RequestOptions = {};
    try {
      await kc.applyToHTTPSOptions(opts);
    } catch (err) {
      throw new ConfigError(`kubeconfig: ${(err as Error).message}`);
    }
    if (this.stopped) throw new Error('stopped');
    const agent = opts.agent as Agent | undefined;
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = send(url, { ...opts, method: 'GET', headers: { ...opts.headers, Accept: 'application/json' }, signal: this.abort.signal });
      req.on('error', reject); // also after the response: an abort or reset ends the body with an error
      req.on('response', resolve);
      req.end();
    });
    res.once('close', () => agent?.destroy());
    const code = res.statusCode ?? 0;
    if (code >= 200 && code < 300) return res;
    const message = statusMessage(await readBody(res, MAX_ERROR_BODY, true)) || res.statusMessage || `HTTP ${code}`;
    if (code === 410 && verb === 'watch') throw new Gone(query.resourceVersion ?? '', 'HTTP 410');
    throw new ApiError(code, verb, message);
  }

  /** At most one watch a backoff-initial interval: a server that ends watches at once is not hammered. */
  private async pace(): Promise<void> {
    const wait = this.lastWatchStart + this.initialMs - Date.now();
    if (wait > 0) await this.sleep(wait);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private snapshot(reason: 'startup' | 'added' | 'modified' | 'deleted', pod: Pod): void {
    if (this.stopped) return;
    this.stats.snapshots++;
    this.emit({ source: 'k8s', kind: 'pod.snapshot', ts: isoNow(), data: { reason, pod } });
  }

  /** Reports a state change (a repeat of the same state and reason is not). */
  private status(state: SourceState, reason: string): void {
    if (this.stopped || (this.lastStatus?.state === state && this.lastStatus.reason === reason)) return;
    this.lastStatus = { state, reason };
    this.emit(sourceStatus(this.name, state, reason));
  }
}

function podKey(pod: Pod): string {
  return pod.uid || `${pod.namespace}/${pod.name}`;
}

/** The current cluster of the given kubeconfig or the default one, or why there is none. */
async function loadConfig(given: KubeConfig | undefined): Promise<{ kc: KubeConfig; server: string } | { reason: string }> {
  let kc = given;
  if (!kc) {
    try {
      const { KubeConfig } = await import('@kubernetes/client-node'); // ~0.7 s to load: only when used
      kc = new KubeConfig();
      kc.loadFromDefault();
    } catch (err) {
      return { reason: `kubeconfig: ${(err as Error).message}` };
    }
    // With no $KUBECONFIG, ~/.kube/config or service account token, loadFromDefault() falls back
    // to an unauthenticated http://localhost:8080 (config.js), which is no configuration at all.
    const cluster = kc.getCurrentCluster();
    if (kc.getCurrentContext() === 'loaded-context' && cluster?.name === 'cluster' && cluster.server === 'http://localhost:8080') {
      return { reason: NO_KUBECONFIG };
    }
  }
  const server = kc.getCurrentCluster()?.server ?? '';
  if (!server) return { reason: NO_KUBECONFIG };
  // A service account token mounted without KUBERNETES_SERVICE_HOST/PORT (loadFromCluster).
  if (server.includes('undefined')) return { reason: `${NO_KUBECONFIG} (in-cluster token present but KUBERNETES_SERVICE_HOST/PORT unset)` };
  return { kc, server };
}

function readBody(res: IncomingMessage, max: number, truncate = false): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
      else if (!truncate) res.destroy(new Error(`response larger than ${max} bytes`));
    });
    res.once('end', () => resolve(Buffer.concat(chunks)));
    res.once('error', reject);
    res.once('close', () => {
      if (!res.complete) reject(new Error('connection closed before the response ended'));
    });
  });
}

/** The message of a Status body ("pods is forbidden: User … cannot list …"), if it is one. */
function statusMessage(body: Buffer): string {
  try {
    return str(obj(JSON.parse(body.toString('utf8'))).message);
  } catch {
    return '';
  }
}

/** What a failure is called in the 'down' status. */
function reasonOf(err: unknown, server: string): string {
  if (err instanceof ApiError) {
    if (err.code === 401) return `unauthorized: ${server} rejected the kubeconfig's credentials (${err.message})`;
    if (err.code === 403) return `forbidden: cannot ${err.verb} pods in all namespaces (${err.message})`;
    return `${err.verb} pods: HTTP ${err.code}: ${err.message}`;
  }
  if (err instanceof ConfigError) return err.message;
  const e = err as NodeJS.ErrnoException;
  return `${server}: ${e.message}${e.code && !e.message.includes(e.code) ? ` (${e.code})` : ''}`;
}
