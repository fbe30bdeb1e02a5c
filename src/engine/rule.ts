// What a rule is: a plain record that declares the event kinds it consumes (the engine indexes
// rules by them) and builds its evaluator from the profile once, so matchers compile up front.
import type { AlertK8s, AlertProcess, Category, Severity } from './alert.js';
import type { EventKey, EventOf } from './events.js';
import type { Profile } from './profile.js';
import type { ContainerTable } from './state/containers.js';
import type { ProcessTable } from './state/processes.js';
import type { WhitelistTable } from './state/whitelist.js';

/** Read-only views of the state tables, already updated with the event being evaluated. */
export interface RuleContext {
  readonly containers: ContainerTable;
  readonly processes: ProcessTable;
  readonly whitelist: WhitelistTable;
  /** Events taken so far, the one being evaluated included: what per-event answers are kept by. */
  readonly stats: { readonly events: number };
}

/** What an action vigil may take when enforcement is on. Executed outside the engine, live only. */
export interface ResponseRequest {
  action: 'stop';
  containerId: string;
  ruleId: string;
  reason: string;
}

/** One thing a rule found. The engine turns it into an alert once per (rule, subject, key). */
export interface Finding {
  /** Distinguishes this finding from the rule's other findings about the same subject. */
  key: string;
  summary: string;
  evidence: Record<string, unknown>;
  /** Overrides the rule's default severity (e.g. the worst of several findings). */
  severity?: Severity;
  containerId?: string;
  pod?: { namespace: string; name: string };
  process?: AlertProcess;
  k8s?: AlertK8s;
  /** Source events behind the finding; defaults to the event being evaluated. */
  events?: number[];
  /** Requested even when the alert itself is a duplicate (e.g. a blocked container restarted). */
  response?: Omit<ResponseRequest, 'ruleId'>;
}

/** What a rule returns when it finds nothing: shared, so the common case allocates nothing. */
export const NONE: readonly Finding[] = Object.freeze([]);

export type Evaluator<K extends EventKey> = (event: EventOf<K>, ctx: RuleContext) => readonly Finding[];

export interface RuleDef<K extends EventKey = EventKey> {
  id: string;
  category: Category;
  severity: Severity;
  title: { en: string; zh: string };
  /** ATT&CK technique id where one fits. */
  mitre?: string;
  consumes: readonly K[];
  create(profile: Profile): Evaluator<K>;
}

/** Any rule, whatever it consumes: what the registry holds. */
export interface AnyRule extends Omit<RuleDef, 'create'> {
  create(profile: Profile): (event: never, ctx: RuleContext) => readonly Finding[];
}

/** Typing helper: checks a rule's evaluator against the kinds it declares. */
export function defineRule<K extends EventKey>(rule: RuleDef<K>): AnyRule {
  return rule as unknown as AnyRule;
}
