import { beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../src/engine/profile.js';
import { loadProfile } from '../../src/profile/load.js';
import { alertsFor, snapshotFixture } from '../helpers/engine.js';

const RULE = 'system.container_security_options';
let profile: Profile;
beforeAll(async () => {
  profile = await loadProfile();
});

describe(RULE, () => {
  it.each([
    ['privileged', ['privileged:true'], 'critical'],
    ['cap-sys-admin', ['capabilities:[SYS_ADMIN]'], 'critical'],
    ['cap-all', ['capabilities:[ALL]'], 'critical'],
    ['cap-net-admin-ptrace', ['capabilities:[NET_ADMIN,SYS_PTRACE]'], 'critical'],
    ['seccomp-unconfined', ['seccomp=unconfined'], 'high'],
    ['apparmor-unconfined', ['apparmor=unconfined'], 'high'],
    ['nnp-false', ['no-new-privileges:false'], 'medium'],
  ])('fires on %s with the finding named as %j', (fixture, findings, severity) => {
    const alerts = alertsFor(RULE, fixture, profile);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence.findings).toEqual(findings);
    expect(alerts[0]!.severity).toBe(severity);
    expect(alerts[0]!.mitre).toBe('T1611');
    expect(alerts[0]!.titleZh).toBe('容器安全选项');
    expect(alerts[0]!.summary).toContain(findings[0]);
  });

  it.each(['plain', 'hardened', 'nnp-true', 'cap-default-readd', 'ns-pid-host', 'ns-ipc-host', 'mount-host-etc'])(
    'stays quiet on the benign look-alike %s',
    (fixture) => {
      expect(alertsFor(RULE, fixture, profile)).toEqual([]);
    },
  );

  it('lists every finding of one container in one alert, worst severity first-class', () => {
    const c = snapshotFixture('seccomp-unconfined', { privileged: true, capAdd: ['CAP_BPF', 'SYS_NICE'] });
    const [alert, ...rest] = alertsFor(RULE, c, profile);
    expect(rest).toEqual([]);
    expect(alert!.evidence.findings).toEqual(['privileged:true', 'capabilities:[BPF,SYS_NICE]', 'seccomp=unconfined']);
    expect(alert!.severity).toBe('critical');
  });

  it('counts a capability outside the default set that is not high-risk as medium', () => {
    const [alert] = alertsFor(RULE, snapshotFixture('plain', { capAdd: ['SYS_NICE'] }), profile);
    expect(alert!.evidence.findings).toEqual(['capabilities:[SYS_NICE]']);
    expect(alert!.severity).toBe('medium');
  });

  it('accepts both key=value and key:value security options', () => {
    const [alert] = alertsFor(RULE, snapshotFixture('plain', { securityOpt: ['seccomp:unconfined', 'no-new-privileges=false'] }), profile);
    expect(alert!.evidence.findings).toEqual(['seccomp=unconfined', 'no-new-privileges:false']);
  });

  it('follows the profile: a capability added to the default set is no longer a finding', () => {
    const custom = { ...profile, capabilities: { ...profile.capabilities, default: [...profile.capabilities.default, 'SYS_ADMIN'] } };
    expect(alertsFor(RULE, 'cap-sys-admin', custom)).toEqual([]);
  });
});
