// Which container a process belongs to, from the cgroup paths the runtimes create. The kernel
// knows nothing of containers; the runtime's naming convention for the cgroup is the only
// link from a pid to a container id that needs no runtime API call.
import { readFileSync } from 'node:fs';
import { DEFAULT_PROC_ROOT, whileAlive } from './process.js';

export type ContainerRuntime = 'docker' | 'containerd' | 'cri-o' | 'podman' | 'kubernetes';

export interface ContainerRef {
  /** Who named the cgroup; 'kubernetes' when the kubelet did (cgroupfs driver) and the runtime is unsaid. */
  runtime: ContainerRuntime;
  /** The full 64-hex container id. */
  id: string;
}

/**
 * Runtime-prefixed names (the systemd driver's `<prefix>-<id>.scope`, podman and cri-o on
 * cgroupfs). conmon gets its own `crio-conmon-<id>` / `libpod-conmon-<id>` scope: it is the
 * runtime's monitor, on the host side, so those deliberately match nothing here.
 */
const PREFIXED: ReadonlyArray<readonly [RegExp, ContainerRuntime]> = [
  [/^docker-([0-9a-f]{64})$/, 'docker'],
  [/^cri-containerd-([0-9a-f]{64})$/, 'containerd'],
  // kubelet on systemd but containerd on cgroupfs: runc's "slice:prefix:id" form becomes a literal name.
  [/^[^:]+\.slice:cri-containerd:([0-9a-f]{64})$/, 'containerd'],
  [/^crio-([0-9a-f]{64})$/, 'cri-o'],
  [/^libpod-([0-9a-f]{64})$/, 'podman'],
  // containerd without Kubernetes or Docker (nerdctl) on the systemd driver.
  [/^nerdctl-([0-9a-f]{64})$/, 'containerd'],
];

const BARE_ID = /^[0-9a-f]{64}$/;
const POD_SEGMENT = /^pod[0-9a-f_-]+$/;

/**
 * The container a /proc/PID/cgroup file places its process in, or undefined for host processes
 * (`/`, `/user.slice/…`, `/system.slice/docker.service`, `/init.scope`, and any unknown scheme
 * such as `/actions_job/<id>`). v1 files have a line per hierarchy and v2 a single `0::` line;
 * the first line naming a container wins (in practice they all agree).
 *
 * Nested containers (`/docker/<outer>/docker/<inner>`, a kind node's `/docker/<id>/kubepods/…`)
 * resolve to the OUTERMOST id: that is the container this host's runtime knows and can inspect;
 * the inner ids belong to a daemon running inside it.
 */
export function containerFromCgroup(text: string): ContainerRef | undefined {
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    // "hierarchy-id:controllers:path"; the path itself may contain ':'.
    const second = line.indexOf(':', line.indexOf(':') + 1);
    if (second < 0) continue;
    const path = line.slice(second + 1);
    // v1 repeats one path across most hierarchies: look at each distinct path once.
    if (seen.has(path)) continue;
    seen.add(path);
    const found = containerFromPath(path);
    if (found) return found;
  }
  return undefined;
}

function containerFromPath(path: string): ContainerRef | undefined {
  // Seen from another cgroup namespace, paths may start with '/..': those segments match nothing.
  const segments = path.split('/').map((s) => (s.endsWith('.scope') ? s.slice(0, -'.scope'.length) : s));
  for (const [i, segment] of segments.entries()) {
    for (const [pattern, runtime] of PREFIXED) {
      const id = pattern.exec(segment)?.[1];
      if (id) return { runtime, id };
    }
    if (!BARE_ID.test(segment)) continue;
    const parent = segments[i - 1] ?? '';
    // dockerd's cgroupfs driver: /docker/<id>.
    if (parent === 'docker') return { runtime: 'docker', id: segment };
    // containerd's own cgroupfs layout, /<namespace>/<id>, in its default namespace (ctr, nerdctl).
    if (parent === 'default' && i === 2) return { runtime: 'containerd', id: segment };
    // The kubelet's cgroupfs driver: /kubepods[/<qos>]/pod<uid>/<id>, whatever the runtime.
    if (POD_SEGMENT.test(parent) && segments.slice(0, i).includes('kubepods')) return { runtime: 'kubernetes', id: segment };
  }
  return undefined;
}

/** The container of a live process; undefined for host processes and for processes now gone. */
export function readContainerOf(pid: number, procRoot = DEFAULT_PROC_ROOT): ContainerRef | undefined {
  const text = whileAlive(() => readFileSync(`${procRoot}/${pid}/cgroup`, 'utf8'));
  return text === undefined ? undefined : containerFromCgroup(text);
}
