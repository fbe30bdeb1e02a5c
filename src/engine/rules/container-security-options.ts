// system.container_security_options: a container created or started with options that
// weaken its isolation. Findings are named in the forms the catalogue uses.
import { maxSeverity, type Severity } from '../alert.js';
import type { ContainerSnapshot } from '../events.js';
import type { Profile } from '../profile.js';
import { defineRule, NONE } from '../rule.js';
import { containerVerb } from './container-wording.js';
import { lookup } from '../json.js';

/** `CAP_SYS_ADMIN`, `sys_admin` -> `SYS_ADMIN`. */
export function normaliseCapability(cap: string): string {
  const upper = cap.trim().toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

/** Docker accepts both `key=value` and the legacy `key:value`. */
function parseSecurityOpt(opt: string): { key: string; value: string } {
  const i = opt.search(/[=:]/);
  return i < 0 ? { key: opt, value: '' } : { key: opt.slice(0, i), value: opt.slice(i + 1) };
}

/** Security options that switch a protection off, with the form the evidence names. */
const weakeningOptions: Record<string, { value: string; finding: string; severity: Severity }> = {
  seccomp: { value: 'unconfined', finding: 'seccomp=unconfined', severity: 'high' },
  apparmor: { value: 'unconfined', finding: 'apparmor=unconfined', severity: 'high' },
  systempaths: { value: 'unconfined', finding: 'systempaths=unconfined', severity: 'high' },
  'no-new-privileges': { value: 'false', finding: 'no-new-privileges:false', severity: 'medium' },
};

function findWeakenings(c: ContainerSnapshot, profile: Profile) {
  const defaults = new Set(profile.capabilities.default.map(normaliseCapability));
  const highRisk = new Set(profile.capabilities.highRisk.map(normaliseCapability));
  const findings: string[] = [];
  let severity: Severity = 'low';
  if (c.privileged) {
    findings.push('privileged:true');
    severity = 'critical';
  }
  const capabilities = [...new Set(c.capAdd.map(normaliseCapability))].filter((cap) => !defaults.has(cap)).sort();
  if (capabilities.length > 0) {
    findings.push(`capabilities:[${capabilities.join(',')}]`);
    severity = maxSeverity(severity, capabilities.some((cap) => highRisk.has(cap)) ? 'critical' : 'medium');
  }
  // `label=disable` is not among them: dockerd adds it itself for privileged and host-pid/ipc
  // containers, which the other findings already cover.
  for (const opt of c.securityOpt) {
    const { key, value } = parseSecurityOpt(opt);
    const weak = lookup(weakeningOptions, key);
    if (!weak || value.toLowerCase() !== weak.value) continue;
    if (findings.includes(weak.finding)) continue;
    findings.push(weak.finding);
    severity = maxSeverity(severity, weak.severity);
  }
  return { findings, capabilities, severity };
}

export default defineRule({
  id: 'system.container_security_options',
  category: 'system',
  severity: 'high',
  title: { en: 'Container security options', zh: '容器安全选项' },
  mitre: 'T1611',
  consumes: ['docker/container.snapshot'],
  create: (profile) => (event) => {
    const c = event.data.container;
    const { findings, capabilities, severity } = findWeakenings(c, profile);
    if (findings.length === 0) return NONE;
    return [
      {
        key: findings.join(' '),
        severity,
        containerId: c.id,
        summary: `${containerVerb(event.data.reason, c)} with ${findings.join(', ')}`,
        evidence: {
          findings,
          privileged: c.privileged,
          capabilities,
          securityOpt: c.securityOpt,
          image: c.image,
        },
      },
    ];
  },
});
