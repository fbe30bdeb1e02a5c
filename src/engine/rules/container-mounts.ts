// system.container_mounts: a container bind-mounts a dangerous host path. Files a container
// commonly needs (/etc/hosts, …) and the operator's allow-list never fire.
import type { Mount } from '../events.js';
import { compilePathGlobs } from '../match.js';
import { bindMounts, normalisePath } from '../state/mounts.js';
import { defineRule } from '../rule.js';
import { containerVerb } from './container-wording.js';

export interface DangerousMount {
  source: string;
  destination: string;
  rw: boolean;
  reason: string;
}

export default defineRule({
  id: 'system.container_mounts',
  category: 'system',
  severity: 'high',
  title: { en: 'Container mount directory', zh: '容器挂载目录' },
  mitre: 'T1611',
  consumes: ['docker/container.snapshot'],
  create: (profile) => {
    const benign = new Set(profile.mounts.benign.map(normalisePath));
    const allowed = compilePathGlobs(profile.mounts.allow);
    const socket = compilePathGlobs(profile.mounts.runtimeSockets);
    const dangerous = compilePathGlobs(profile.mounts.dangerous);
    const classify = (m: Mount): DangerousMount | undefined => {
      const source = normalisePath(m.source);
      if (benign.has(source) || allowed(source)) return undefined;
      const why = socket(source) ? 'container runtime socket' : dangerous(source) && `dangerous host path (${dangerous(source)})`;
      return why ? { source: m.source, destination: m.destination, rw: m.rw, reason: why } : undefined;
    };
    return (event) => {
      const c = event.data.container;
      const mounts = bindMounts(c)
        .map(classify)
        .filter((m): m is DangerousMount => m !== undefined)
        .sort((a, b) => a.source.localeCompare(b.source) || a.destination.localeCompare(b.destination));
      if (mounts.length === 0) return [];
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
