// The alert model (SPEC §3/§6). Field names here are a contract with other programs.
import { createHash } from 'node:crypto';
import type { severities } from './profile.js';

export type Severity = (typeof severities)[number];

/** Higher is worse; used to take the maximum over findings and to filter by minimum. */
export const severityRank: Record<Severity, number> = { low: 1, medium: 2, high: 3, critical: 4 };

export function maxSeverity(a: Severity, b: Severity): Severity {
  return severityRank[a] >= severityRank[b] ? a : b;
}

export const categories = {
  malware: { en: 'Malware', zh: '恶意软件' },
  exploit: { en: 'Exploit', zh: '漏洞利用' },
  system: { en: 'Abnormal system behaviour', zh: '系统异常行为' },
  user: { en: 'Abnormal user behaviour', zh: '用户异常行为' },
  cluster: { en: 'Abnormal cluster behaviour', zh: '集群异常行为' },
  vigil: { en: 'vigil health', zh: 'vigil 运行状况' },
} as const;
export type Category = keyof typeof categories;

export interface AlertContainer {
  id: string;
  name: string;
  image: string;
}

export interface AlertProcess {
  pid: number;
  ppid: number;
  exe: string;
  cmdline: string[];
  uid: number;
  euid: number;
}

export interface AlertK8s {
  auditID: string;
  verb: string;
  user: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

export interface Alert {
  id: string;
  ts: string;
  ruleId: string;
  category: Category;
  severity: Severity;
  title: string;
  titleZh: string;
  summary: string;
  container?: AlertContainer;
  pod?: { namespace: string; name: string };
  process?: AlertProcess;
  k8s?: AlertK8s;
  evidence: Record<string, unknown>;
  /** Sequence numbers of the source events that made it fire. */
  events: number[];
  mitre?: string;
}

/**
 * Deterministic: the same finding about the same subject always gets the same id, so a replay
 * reproduces the live run's ids and triage (acknowledgements) keyed by id carries over.
 */
export function alertId(ruleId: string, subject: string, findingKey: string): string {
  return createHash('sha256').update(`${ruleId}\0${subject}\0${findingKey}`).digest('hex').slice(0, 20);
}
