// Where a container's files are on the host: overlay2's writable layer (UpperDir) and image
// layers (LowerDir), the merged view, and the bind mounts and volumes that cover parts of it.
import type { Stats } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContainerSnapshot } from '../../engine/events.js';

export interface HostLocation {
  /** The file on the host. */
  path: string;
  /** The directory it must stay within (a layer, the merged view, or a mount's source). */
  root: string;
}

export interface ContainerFs {
  id: string;
  upper: string;
  /** Image layers, topmost first. */
  lowers: string[];
  merged: string;
  /** Bind mounts and volumes, longest destination first: the first that covers a path wins. */
  mounts: Array<{ destination: string; source: string }>;
}

export type ContainerFsResult = { ok: true; fs: ContainerFs } | { ok: false; reason: string };

export function containerFsOf(snapshot: ContainerSnapshot): ContainerFsResult {
  const { name, data } = snapshot.graphDriver;
  if (name !== 'overlay2' && name !== 'overlay') return { ok: false, reason: `storage driver ${name || 'unknown'} is not overlay` };
  const { UpperDir: upper, LowerDir: lower = '', MergedDir: merged } = data;
  if (!upper || !merged) return { ok: false, reason: 'no overlay directories in the inspect data' };
  const mounts = snapshot.mounts
    .filter((m) => (m.type === 'bind' || m.type === 'volume') && m.source.startsWith('/'))
    .map((m) => ({ destination: trimSlash(m.destination), source: trimSlash(m.source) }))
    .sort((a, b) => b.destination.length - a.destination.length);
  return { ok: true, fs: { id: snapshot.id, upper, lowers: lower.split(':').filter(Boolean), merged, mounts } };
}

/** The host location of a path as the container sees it (through its mounts, else the merged view). */
export function hostLocation(fs: ContainerFs, containerPath: string): HostLocation {
  for (const m of fs.mounts) {
    if (within(containerPath, m.destination)) return { path: join(m.source, containerPath.slice(m.destination.length)), root: m.source };
  }
  return { path: join(fs.merged, containerPath), root: fs.merged };
}

/** The container path of a host path under `root`, which the container sees at `prefix`. */
export function containerPathOf(hostPath: string, root: string, prefix: string): string {
  const rest = hostPath.slice(root.length);
  return trimSlash(join(prefix, rest)) || '/';
}

/** Whether a container path is covered by a mount (then the writable layer does not hold it). */
export function onMount(fs: ContainerFs, containerPath: string): boolean {
  return fs.mounts.some((m) => within(containerPath, m.destination));
}

/** The image's own entry for a path: the topmost layer that has it, unless that layer deleted it. */
export async function imageEntry(fs: ContainerFs, containerPath: string): Promise<{ location: HostLocation; stats: Stats } | undefined> {
  for (const layer of fs.lowers) {
    const path = join(layer, containerPath);
    const stats = await lstat(path).catch(() => undefined);
    if (!stats) continue;
    return isWhiteout(stats) ? undefined : { location: { path, root: layer }, stats };
  }
  return undefined;
}

/** overlayfs marks a file deleted in an upper layer with a 0:0 character device. */
export function isWhiteout(stats: Stats): boolean {
  return stats.isCharacterDevice() && stats.rdev === 0;
}

function within(path: string, dir: string): boolean {
  return dir === '' || path === dir || path.startsWith(`${dir}/`);
}

function trimSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}
