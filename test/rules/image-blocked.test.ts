import { beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../src/engine/profile.js';
import { loadProfile } from '../../src/profile/load.js';
import { alertsFor, runEngine, snapshotEvent, snapshotFixture } from '../helpers/engine.js';

const RULE = 'system.image_blocked';
let profile: Profile;
beforeAll(async () => {
  profile = await loadProfile();
});

const blocking = (blockedImages: string[], enforce = false): Profile => ({ ...profile, blockedImages, enforce });

describe(RULE, () => {
  it.each([['registry.example/miner*'], ['registry.example/miner:2.*'], ['*/miner:*']])('fires for the glob %s', (glob) => {
    const [alert, ...rest] = alertsFor(RULE, 'blocked-image', blocking([glob]));
    expect(rest).toEqual([]);
    expect(alert!.evidence).toMatchObject({ image: 'registry.example/miner:2.1', blockedBy: glob, enforce: false });
    expect(alert!.titleZh).toBe('容器镜像阻断');
    expect(alert!.mitre).toBe('T1610');
  });

  it('matches an image id digest', () => {
    const c = snapshotFixture('blocked-image');
    const [alert] = alertsFor(RULE, c, blocking([c.imageId]));
    expect(alert!.evidence.blockedBy).toBe(c.imageId);
  });

  it('matches the repository digest the image was pulled by', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const c = snapshotFixture('blocked-image', { imageDigests: [`registry.example/miner@${digest}`] });
    expect(alertsFor(RULE, c, blocking([digest])).map((a) => a.evidence.blockedBy)).toEqual([digest]);
    expect(alertsFor(RULE, c, blocking([`sha256:${'b'.repeat(64)}`]))).toEqual([]);
  });

  it('with enforce: true says it is stopping a container found running', () => {
    const [alert] = alertsFor(RULE, snapshotFixture('blocked-image'), blocking(['registry.example/miner*'], true));
    expect(alert!.summary).toMatch(/; vigil is stopping it \(enforce: true\)$/);
    expect(alert!.evidence.enforcement).toBe('stopping');
  });

  it('matches short names in their implied and fully qualified forms', () => {
    const c = snapshotFixture('plain', { image: 'nginx' });
    expect(alertsFor(RULE, c, blocking(['nginx:latest']))).toHaveLength(1);
    expect(alertsFor(RULE, c, blocking(['docker.io/library/nginx:*']))).toHaveLength(1);
    expect(alertsFor(RULE, c, blocking(['nginx:1.*']))).toEqual([]);
  });

  it.each(['plain', 'hardened'])('stays quiet on %s, whose image is not blocked', (fixture) => {
    expect(alertsFor(RULE, fixture, blocking(['registry.example/miner*', 'sha256:' + 'f'.repeat(64)]))).toEqual([]);
  });

  it('with enforce: true asks to stop the running container on every start, and says so once', () => {
    const running = snapshotFixture('blocked-image');
    const created = { ...running, state: { ...running.state, running: false, status: 'created' } };
    const { alerts, responses } = runEngine(
      [snapshotEvent(created, 'create', 1), snapshotEvent(running, 'start', 2), snapshotEvent(running, 'start', 3)],
      blocking(['registry.example/miner*'], true),
    );
    expect(alerts.filter((a) => a.ruleId === RULE)).toHaveLength(1);
    expect(alerts[0]!.summary).toContain('vigil stops it if it starts (enforce: true)');
    expect(responses).toEqual([
      { action: 'stop', containerId: running.id, ruleId: RULE, reason: 'blocked image registry.example/miner:2.1 (registry.example/miner*)' },
      { action: 'stop', containerId: running.id, ruleId: RULE, reason: 'blocked image registry.example/miner:2.1 (registry.example/miner*)' },
    ]);
  });

  it('does not ask again when the container is dying (its die snapshot may still say running)', () => {
    const { responses } = runEngine([snapshotEvent(snapshotFixture('blocked-image'), 'die')], blocking(['registry.example/*'], true));
    expect(responses).toEqual([]);
  });

  it('without enforce never asks for a response', () => {
    const { responses } = runEngine([snapshotEvent(snapshotFixture('blocked-image'), 'start')], blocking(['registry.example/*']));
    expect(responses).toEqual([]);
  });
});
