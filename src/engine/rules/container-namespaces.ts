// system.container_namespaces: a container shares one of the host's namespaces.
import { maxSeverity, type Severity } from '../alert.js';
import { namespaceKinds } from '../profile.js';
import { defineRule, NONE } from '../rule.js';
import { containerVerb } from './container-wording.js';

export default defineRule({
  id: 'system.container_namespaces',
  category: 'system',
  severity: 'high',
  title: { en: 'Container namespace', zh: '容器命名空间' },
  mitre: 'T1611',
  consumes: ['docker/container.snapshot'],
  create: (profile) => (event) => {
    const c = event.data.container;
    const shared: Record<string, string> = {};
    const findings: string[] = [];
    let severity: Severity = 'low';
    for (const kind of namespaceKinds) {
      const weight = profile.namespaces.host[kind];
      if (!weight || weight === 'off' || c.namespaces[kind] !== 'host') continue;
      // On cgroup v1 every container shares the host's cgroup namespace: nothing to report.
      if (kind === 'cgroup' && c.cgroupVersion !== '2') continue;
      // Likewise the user namespace, unless the daemon remaps users.
      if (kind === 'user' && !c.usernsRemap) continue;
      shared[kind] = 'host';
      findings.push(`${kind}=host`);
      severity = maxSeverity(severity, weight);
    }
    if (findings.length === 0) return NONE;
    return [
      {
        key: findings.join(' '),
        severity,
        containerId: c.id,
        summary: `${containerVerb(event.data.reason, c)} sharing the host's ${Object.keys(shared).join(', ')} namespace${findings.length > 1 ? 's' : ''}`,
        evidence: { findings, namespaces: shared },
      },
    ];
  },
});
