// The engine: a pure function of the event stream. Each event updates the state tables, then
// meets only the rules indexed under its kind; findings become alerts once per subject.
import { alertId, type Alert } from './alert.js';
import type { VigilEvent } from './events.js';
import type { Profile } from './profile.js';
import type { AnyRule, Finding, ResponseRequest, RuleContext } from './rule.js';
import { RecentMap } from './recent-map.js';
import { ContainerTable } from './state/containers.js';
import { ProcessTable } from './state/processes.js';
import { WhitelistTable } from './state/whitelist.js';

type Evaluate = (event: VigilEvent, ctx: RuleContext) => readonly Finding[];

interface CompiledRule {
  rule: AnyRule;
  evaluate: Evaluate;
}

export interface EngineSink {
  alert(alert: Alert): void;
  response?(request: ResponseRequest): void;
}

export interface EngineStats {
  events: number;
  alerts: number;
  /** Findings suppressed because their alert was already raised. */
  duplicates: number;
}

export class Engine {
  readonly containers = new ContainerTable();
  readonly processes = new ProcessTable();
  readonly whitelist = new WhitelistTable();
  readonly stats: EngineStats = { events: 0, alerts: 0, duplicates: 0 };
  /** source -> kind -> rules: two lookups of the event's own strings, no key built per event. */
  private index = new Map<string, Map<string, CompiledRule[]>>();
  /** Ids of alerts raised, for deduplication: the most recent million, so memory stays bounded. */
  private readonly raised = new RecentMap<string, true>(1_000_000);

  constructor(
    readonly rules: readonly AnyRule[],
    public profile: Profile,
    private readonly sink: EngineSink,
  ) {
    this.setProfile(profile);
  }

  /** Recompiles every rule against a new profile; takes effect from the next event. */
  setProfile(profile: Profile): void {
    this.profile = profile;
    const index = new Map<string, Map<string, CompiledRule[]>>();
    for (const rule of this.rules) {
      const compiled = { rule, evaluate: rule.create(profile) as Evaluate };
      for (const key of rule.consumes) {
        const [source, kind] = key.split('/') as [string, string];
        const kinds = index.get(source) ?? index.set(source, new Map()).get(source)!;
        const list = kinds.get(kind);
        if (list) list.push(compiled);
        else kinds.set(kind, [compiled]);
      }
    }
    this.index = index;
  }

  process(event: VigilEvent): void {
    this.stats.events++;
    this.containers.apply(event);
    this.processes.apply(event);
    this.whitelist.apply(event);
    const rules = this.index.get(event.source)?.get(event.kind);
    if (rules === undefined) return;
    for (const { rule, evaluate } of rules) {
      for (const finding of evaluate(event, this)) this.raise(rule, finding, event);
    }
  }

  private raise(rule: AnyRule, finding: Finding, event: VigilEvent): void {
    if (finding.response) this.sink.response?.({ ...finding.response, ruleId: rule.id });
    const subject = finding.containerId ?? (finding.pod ? `${finding.pod.namespace}/${finding.pod.name}` : '');
    const id = alertId(rule.id, subject, finding.key);
    if (this.raised.has(id)) {
      this.stats.duplicates++;
      return;
    }
    this.raised.set(id, true);
    this.stats.alerts++;
    // A container vigil has no snapshot of (an offline audit log) is still named by its id.
    const container = finding.containerId
      ? (this.containers.get(finding.containerId)?.snapshot ?? { id: finding.containerId, name: '', image: '' })
      : undefined;
    const alert: Alert = {
      id,
      ts: event.ts,
      ruleId: rule.id,
      category: rule.category,
      severity: finding.severity ?? rule.severity,
      title: rule.title.en,
      titleZh: rule.title.zh,
      summary: finding.summary,
      ...(container && { container: { id: container.id, name: container.name, image: container.image } }),
      ...(finding.pod && { pod: finding.pod }),
      ...(finding.process && { process: finding.process }),
      ...(finding.k8s && { k8s: finding.k8s }),
      evidence: finding.evidence,
      events: finding.events ?? [event.seq],
      ...(rule.mitre && { mitre: rule.mitre }),
    };
    this.sink.alert(alert);
  }
}
