// The alert list: newest first, windowed to the visible height, one line per alert.
import { Box, Text } from 'ink';
import type { Alert, Severity } from '../../engine/alert.js';
import { clock, fit, pad } from '../text.js';

export const severityColor: Record<Severity, string> = { critical: 'redBright', high: 'red', medium: 'yellow', low: 'cyan' };

/** The first row shown so that `selected` is visible, moving the window as little as possible. */
export function windowStart(selected: number, previousStart: number, height: number, count: number): number {
  if (selected < previousStart) return selected;
  if (selected >= previousStart + height) return selected - height + 1;
  return Math.max(0, Math.min(previousStart, Math.max(0, count - height)));
}

export function AlertList(props: { alerts: Alert[]; selected: number; start: number; acked: ReadonlySet<string>; width: number; height: number; lang: 'en' | 'zh' }) {
  const { alerts, selected, start, acked, width, height, lang } = props;
  if (alerts.length === 0) {
    return (
      <Box width={width} height={height}>
        <Text dimColor>{fit('No alerts match. (s: severity, /: filter, [ ]: category)', width)}</Text>
      </Box>
    );
  }
  const titleWidth = Math.min(30, Math.floor(width * 0.25));
  const subjectWidth = Math.min(24, Math.floor(width * 0.2));
  return (
    <Box flexDirection="column" width={width} height={height}>
      {alerts.slice(start, start + height).map((a, i) => {
        const subject = a.container ? a.container.name || a.container.id.slice(0, 12) : a.pod ? `${a.pod.namespace}/${a.pod.name}` : '-';
        const rest = width - 9 - 9 - titleWidth - subjectWidth - 4;
        return (
          <Text key={a.id} inverse={start + i === selected} dimColor={acked.has(a.id)} wrap="truncate">
            {clock(a.ts)}{' '}
            <Text color={severityColor[a.severity]} bold={a.severity === 'critical'}>
              {pad(a.severity.toUpperCase(), 8)}
            </Text>{' '}
            {pad(lang === 'zh' ? a.titleZh : a.title, titleWidth)} {pad(subject, subjectWidth)} {fit(a.summary, Math.max(0, rest))}
          </Text>
        );
      })}
    </Box>
  );
}
