import { beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../src/engine/profile.js';
import { loadProfile } from '../../src/profile/load.js';
import { alertsFor, snapshotFixture } from '../helpers/engine.js';

const RULE = 'system.container_namespaces';
let profile: Profile;
beforeAll(async () => {
  profile = await loadProfile();
});

describe(RULE, () => {
  it.each([
    ['ns-pid-host', ['pid=host'], 'high'],
    ['ns-net-host', ['network=host'], 'medium'],
    ['ns-ipc-host', ['ipc=host'], 'medium'],
    ['ns-uts-host', ['network=host', 'uts=host'], 'medium'],
  ])('fires on %s naming each shared namespace', (fixture, findings, severity) => {
    const alerts = alertsFor(RULE, fixture, profile);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence.findings).toEqual(findings);
    expect(alerts[0]!.severity).toBe(severity);
    expect(alerts[0]!.titleZh).toBe('容器命名空间');
  });

  it.each(['plain', 'hardened', 'ns-shared-container', 'ns-cgroup-private'])('stays quiet on the benign look-alike %s', (fixture) => {
    expect(alertsFor(RULE, fixture, profile)).toEqual([]);
  });

  it('ignores the host cgroup namespace on cgroup v1, where every container has it', () => {
    expect(snapshotFixture('ns-cgroup-host').cgroupVersion).toBe('1');
    expect(alertsFor(RULE, 'ns-cgroup-host', profile)).toEqual([]);
    const v2 = snapshotFixture('ns-cgroup-host', { cgroupVersion: '2' });
    expect(alertsFor(RULE, v2, profile)[0]!.evidence.findings).toEqual(['cgroup=host']);
  });

  it('counts --userns host only where the daemon remaps users', () => {
    expect(alertsFor(RULE, 'ns-userns-host', profile)).toEqual([]);
    const remapped = snapshotFixture('ns-userns-host', { usernsRemap: true });
    expect(alertsFor(RULE, remapped, profile)[0]!.evidence.findings).toEqual(['user=host']);
  });
});
