import { beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../src/engine/profile.js';
import { loadProfile } from '../../src/profile/load.js';
import { alertsFor, snapshotFixture } from '../helpers/engine.js';

const RULE = 'system.container_mounts';
let profile: Profile;
beforeAll(async () => {
  profile = await loadProfile();
});

describe(RULE, () => {
  it.each([
    ['mount-docker-sock', { source: '/var/run/docker.sock', destination: '/var/run/docker.sock', rw: true }, 'critical'],
    ['mount-host-root', { source: '/', destination: '/host', rw: false }, 'critical'],
    ['mount-host-etc', { source: '/etc', destination: '/host-etc', rw: true }, 'high'],
    ['mount-var-lib-docker', { source: '/var/lib/docker', destination: '/docker', rw: false }, 'high'],
  ])('fires on %s and lists the offending mount', (fixture, mount, severity) => {
    const alerts = alertsFor(RULE, fixture, profile);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence.mounts).toEqual([expect.objectContaining(mount)]);
    expect(alerts[0]!.severity).toBe(severity);
    expect(alerts[0]!.titleZh).toBe('容器挂载目录');
  });

  it('names only the dangerous mount of a container that also has a harmless one', () => {
    const [alert] = alertsFor(RULE, 'mount-mixed', profile);
    expect(alert!.evidence.mounts).toEqual([{ source: '/etc', destination: '/hostetc', rw: false, reason: 'dangerous host path (/etc)' }]);
  });

  it.each(['plain', 'mount-benign-files', 'mount-data-dir', 'mount-named-volume', 'privileged'])(
    'stays quiet on the benign look-alike %s',
    (fixture) => {
      expect(alertsFor(RULE, fixture, profile)).toEqual([]);
    },
  );

  it('never fires for paths on the allow-list', () => {
    const allowing = { ...profile, mounts: { ...profile.mounts, allow: ['/etc'] } };
    expect(alertsFor(RULE, 'mount-host-etc', allowing)).toEqual([]);
  });

  it('catches paths below a dangerous directory and unnormalised spellings', () => {
    const c = snapshotFixture('mount-host-etc');
    c.mounts = [{ type: 'bind', source: '/etc//kubernetes/', destination: '/k', rw: false, propagation: '' }];
    const [alert] = alertsFor(RULE, c, profile);
    expect(alert!.evidence.mounts).toEqual([expect.objectContaining({ source: '/etc//kubernetes/', reason: 'dangerous host path (/etc/**)' })]);
  });

  it('treats the containerd socket as a runtime socket', () => {
    const c = snapshotFixture('plain');
    c.mounts = [{ type: 'bind', source: '/run/containerd/containerd.sock', destination: '/c.sock', rw: true, propagation: '' }];
    const [alert] = alertsFor(RULE, c, profile);
    expect(alert!.evidence.mounts).toEqual([expect.objectContaining({ reason: 'container runtime socket' })]);
    expect(alert!.severity).toBe('critical');
  });
});
