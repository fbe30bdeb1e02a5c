// Summary tab: what fired, on what, the evidence, and what the operator should check next.
import { terminalSafe } from '../../../text/terminal-safe.js';
import type { AlertContext } from '../../model/alert-context.js';
import { containerLabel, processCommand, severityColor, userLabel } from './format.js';
import type { Line } from './lines.js';
import { nextSteps } from './next-steps.js';

/**
 * Breaks prose at spaces into lines of at most `width` code points. It measures the escaped
 * text, since that is what is shown; a wide (CJK) character counts one, and <Lines> cuts any
 * overflow that causes.
 */
function wrap(text: string, width: number): string[] {
  const room = Math.max(width, 10);
  const lines: string[] = [];
  let line: string[] = [];
  for (const word of terminalSafe(text).split(' ')) {
    const chars = [...word];
    if (line.length > 0 && line.length + 1 + chars.length > room) {
      lines.push(line.join(''));
      line = [];
    }
    if (line.length > 0) line.push(' ');
    line.push(...chars);
    while (line.length > room) {
      lines.push(line.slice(0, room).join(''));
      line = line.slice(room);
    }
  }
  lines.push(line.join(''));
  return lines;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One-line form of a value; strings inside lists and objects are quoted so commas stay unambiguous. */
function inline(value: unknown, quoted = false): string {
  if (Array.isArray(value)) return `[${value.map((v) => inline(v, true)).join(', ')}]`;
  if (isRecord(value)) return `{${Object.entries(value).map(([k, v]) => `${k}: ${inline(v, true)}`).join(', ')}}`;
  if (typeof value === 'string') return quoted || value === '' ? JSON.stringify(value) : value;
  return String(value);
}

/** `key: value`, nested objects as indented blocks, lists of objects one item a line. */
function evidenceLines(evidence: Record<string, unknown>, indent: string): Line[] {
  return Object.entries(evidence).flatMap(([key, value]): Line[] => {
    if (isRecord(value) && Object.keys(value).length > 0) {
      return [{ text: `${indent}${key}:` }, ...evidenceLines(value, `${indent}  `)];
    }
    if (Array.isArray(value) && value.some(isRecord)) {
      return [{ text: `${indent}${key}:` }, ...value.map((item) => ({ text: `${indent}  - ${inline(item)}` }))];
    }
    return [{ text: `${indent}${key}: ${inline(value)}` }];
  });
}

function fact(label: string, value: string): Line {
  return { text: `${label.padEnd(11)}${value}` };
}

export function summaryLines(context: AlertContext, { width }: { width: number }): Line[] {
  const { alert } = context;
  const { container, pod, process } = alert;
  const heading = [alert.severity.toUpperCase(), alert.ruleId, alert.mitre && `ATT&CK ${alert.mitre}`];
  const lines: Line[] = [
    { text: `${alert.title}  ${alert.titleZh}`, bold: true },
    { text: heading.filter(Boolean).join('  '), color: severityColor[alert.severity], bold: alert.severity === 'critical' },
    fact('time', alert.ts),
  ];
  if (container) lines.push(fact('container', `${containerLabel(container)}${container.image ? `  image ${container.image}` : ''}`));
  if (pod) lines.push(fact('pod', `${pod.namespace}/${pod.name}`));
  if (process) {
    const user = userLabel(process.uid, process.euid);
    lines.push(fact('process', `${process.pid} (ppid ${process.ppid})  ${user}  ${processCommand(process.exe, process.cmdline)}`));
  }
  lines.push({ ...fact('alert id', alert.id), dim: true }, { text: '' });
  lines.push(...wrap(alert.summary, width).map((text) => ({ text })), { text: '' });
  lines.push({ text: 'Evidence', bold: true }, ...evidenceLines(alert.evidence, '  '), { text: '' });
  lines.push({ text: 'What to check next', bold: true });
  for (const step of nextSteps(alert)) {
    // A hanging indent under the bullet; commands stay whole so they can be copied.
    lines.push(...wrap(step.say, width - 4).map((text, i) => ({ text: `${i === 0 ? '  • ' : '    '}${text}` })));
    lines.push(...(step.run ?? []).map((command) => ({ text: `    $ ${command}`, color: 'cyan' })));
  }
  return lines;
}
