// The mount map of a container, derived from its snapshot: which host path backs a container
// path. File and process rules use it to tell a host file seen through a bind mount.
import { posix } from 'node:path';
import type { ContainerSnapshot, Mount } from '../events.js';

/** Host paths bound into the container (named volumes and tmpfs are the runtime's own). */
export function bindMounts(container: ContainerSnapshot): Mount[] {
  return container.mounts.filter((m) => m.type === 'bind');
}

/** Normalised absolute path without a trailing slash, `/` kept. */
export function normalisePath(path: string): string {
  const p = posix.normalize(path.startsWith('/') ? path : `/${path}`);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

/** A path as a process named it, made absolute against its working directory. */
export function absolutePath(cwd: string, name: string): string {
  return normalisePath(name.startsWith('/') ? name : `${cwd || '/'}/${name}`);
}

/** The bind mount that backs `containerPath` (longest destination prefix), with the host path. */
export function hostPathOf(
  container: ContainerSnapshot,
  containerPath: string,
): { mount: Mount; hostPath: string } | undefined {
  const path = normalisePath(containerPath);
  let best: Mount | undefined;
  let bestLen = -1;
  for (const m of bindMounts(container)) {
    const dest = normalisePath(m.destination);
    const inside = path === dest || path.startsWith(dest === '/' ? '/' : `${dest}/`);
    if (inside && dest.length > bestLen) {
      best = m;
      bestLen = dest.length;
    }
  }
  if (!best) return undefined;
  const rest = path.slice(bestLen === 1 ? 0 : bestLen);
  return { mount: best, hostPath: normalisePath(`${best.source}/${rest}`) };
}
