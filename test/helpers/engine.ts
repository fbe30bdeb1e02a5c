// Test helpers: inspect fixtures captured from the real dockerd (scripts/capture-inspect-fixtures.sh)
// turned into events, and an engine run over them.
import { readFileSync } from 'node:fs';
import type { ContainerInspectInfo } from 'dockerode';
import type { Alert } from '../../src/engine/alert.js';
import { Engine } from '../../src/engine/engine.js';
import type { ContainerSnapshot, VigilEvent } from '../../src/engine/events.js';
import type { Profile } from '../../src/engine/profile.js';
import type { ResponseRequest } from '../../src/engine/rule.js';
import { catalogue } from '../../src/engine/rules/index.js';
import { snapshotFromInspect } from '../../src/sources/docker/snapshot.js';

const fixtureDir = new URL('../fixtures/inspect/', import.meta.url);
const host = JSON.parse(readFileSync(new URL('_host.json', fixtureDir), 'utf8')) as { CgroupVersion: string };

export function inspectFixture(name: string): ContainerInspectInfo {
  return JSON.parse(readFileSync(new URL(`${name}.json`, fixtureDir), 'utf8')) as ContainerInspectInfo;
}

export function snapshotFixture(name: string, overrides: Partial<ContainerSnapshot> = {}): ContainerSnapshot {
  return {
    ...snapshotFromInspect(inspectFixture(name), { cgroupVersion: host.CgroupVersion, usernsRemap: false, imageDigests: [], keepEnvValues: false }),
    ...overrides,
  };
}

let clock = Date.parse('2026-11-27T10:00:00Z');

export function snapshotEvent(
  container: ContainerSnapshot,
  reason: Extract<VigilEvent, { kind: 'container.snapshot' }>['data']['reason'] = 'create',
  seq = 1,
): VigilEvent {
  return { seq, ts: new Date(clock++).toISOString(), source: 'docker', kind: 'container.snapshot', data: { reason, container } };
}

export interface EngineRun {
  alerts: Alert[];
  responses: ResponseRequest[];
  engine: Engine;
}

export function runEngine(events: readonly VigilEvent[], profile: Profile): EngineRun {
  const alerts: Alert[] = [];
  const responses: ResponseRequest[] = [];
  const engine = new Engine(catalogue, profile, { alert: (a) => alerts.push(a), response: (r) => responses.push(r) });
  for (const e of events) engine.process(e);
  return { alerts, responses, engine };
}

/** Alerts of one rule raised by a fixture's create snapshot. */
export function alertsFor(ruleId: string, fixture: string | ContainerSnapshot, profile: Profile): Alert[] {
  const container = typeof fixture === 'string' ? snapshotFixture(fixture) : fixture;
  return runEngine([snapshotEvent(container)], profile).alerts.filter((a) => a.ruleId === ruleId);
}
