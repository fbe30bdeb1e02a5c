// system.container_mounts: a container bind-mounts a dangerous host path. Files a container
// commonly needs (/etc/hosts, …) and the operator's allow-list never fire.
import type { Mount } from '../events.js';
import type { Profile } from '../profile.js';
import { compilePathGlobs } from '../match.js';
import { normalisePath } from '../state/mounts.js';
import { defineRule, NONE } from '../rule.js';
import { containerVerb } from './container-wording.js';

export interface DangerousMount {
  source: string;
  destination: string;
  rw: boolean;
  reason: string;
}

/** The dangerous-mount test of a profile: the mount with its reason, or undefined when harmless. */
export function compileMountClassifier(profile: Profile): (m: Mount) => DangerousMount | undefined {
  const benign = new Set(profile.mounts.benign.map(normalisePath));
  const allowed = compilePathGlobs(profile.mounts.allow);
  const socket = compilePathGlobs(profile.mounts.runtimeSockets);
  const dangerous = compilePathGlobs(profile.mounts.dangerous);
  return (m) => {
    if (m.type !== 'bind') return undefined;
    const source = normalisePath(m.source);
    if (benign.has(source) || allowed(source)) return undefined;
    const why = socket(source) ? 'container runtime socket' : dangerous(source) && `dangerous host path (${dangerous(source)})`;
    return why ? { source: m.source, destination: m.destination, rw: m.rw, reason: why } : undefined;
  };
}

export default defineRule({
  id: 'system.container_mounts',
  category: 'system',
  severity: 'high',
  title: { en: 'Container mount directory', zh: '容器挂载目录' },
  mitre: 'T1611',
  consumes: ['docker/container.snapshot'],
  create: (profile) => {
    const classify = compileMountClassifier(profile);
    return (event) => {
      const c = event.data.container;
      const mounts = c.mounts
        .map(classify)
        .filter((m): m is DangerousMount => m !== undefined)
        .sort((a, b) => a.source.localeCompare(b.source) || a.destination.localeCompare(b.destination));
      if (mounts.length === 0) return NONE;
      const critical = mounts.some((m) => m.reason === 'container runtime socket' || normalisePath(m.source) === '/');
      const list = mounts.map((m) => `${m.source}:${m.destination}${m.rw ? '' : ':ro'}`).join(', ');
      return [
        {
          key: mounts.map((m) => `${m.source}\0${m.destination}\0${m.rw}`).join('\n'),
          severity: critical ? 'critical' : 'high',
          containerId: c.id,
          summary: `${containerVerb(event.data.reason, c)} with host mounts ${list}`,
          evidence: { mounts },
        },
      ];
    };
  },
});
