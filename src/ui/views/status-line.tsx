// The bottom line: LIVE/REPLAY badge, each source's state, the event rate, losses and skips,
// the recording indicator, and in replay the position and speed.
import { Box, Text } from 'ink';
import type { StatusSnapshot } from '../model/status.js';
import { fit } from '../text.js';

export interface ReplayStatus {
  position: number;
  total?: number | undefined;
  speed: number | 'max';
  paused: boolean;
  ended: boolean;
  ts?: string | undefined;
}

const stateColor = { up: 'green', degraded: 'yellow', down: 'red', off: 'gray' } as const;

export function StatusLine(props: { status: StatusSnapshot; replay: ReplayStatus | undefined; width: number; message: string | undefined }) {
  const { status, replay, width, message } = props;
  const sources = [...status.sources].map(([name, s]) => ({ name, ...s }));
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        {replay ? <Text inverse color="magenta">{' REPLAY '}</Text> : <Text inverse color="green">{' LIVE '}</Text>}{' '}
        {replay && (
          <Text>
            {replay.ended ? 'ended' : replay.paused ? 'paused' : 'playing'} {replay.position}
            {replay.total !== undefined ? `/${replay.total}` : ''} {replay.speed === 'max' ? 'max' : `${replay.speed}×`}{' '}
            {replay.ts ? fit(replay.ts.replace('T', ' ').slice(0, 19), 19) : ''}{'  '}
          </Text>
        )}
        {sources.map((s) => (
          <Text key={s.name}>
            <Text color={stateColor[s.state]}>●</Text> {fit(s.name, 24)}{s.state === 'up' ? '' : ` ${s.state}`}{'  '}
          </Text>
        ))}
        <Text dimColor>
          {status.eventsPerSec} ev/s{status.lost ? `  lost ${status.lost}` : ''}
          {status.dropped ? `  dropped ${status.dropped}` : ''}
          {status.skipped ? `  skipped ${status.skipped}` : ''}
        </Text>
        {status.recording && <Text color="red">{'  ● REC'}</Text>}
        <Text dimColor>{'  ? help'}</Text>
      </Text>
      <Text wrap="truncate" color={message ? 'yellow' : undefined} dimColor={!message}>
        {fit(message ?? firstDown(sources) ?? '', width)}
      </Text>
    </Box>
  );
}

/** Why sources are not up, one after the other. */
function firstDown(sources: { name: string; state: string; reason?: string }[]): string | undefined {
  const down = sources.filter((s) => (s.state === 'down' || s.state === 'degraded') && s.reason);
  return down.length ? down.map((s) => `${s.name}: ${s.reason}`).join(' · ') : undefined;
}

/** With no live source up, a way to see vigil at work anyway. */
export function noSourceHint(status: StatusSnapshot): string | undefined {
  const sources = [...status.sources].filter(([name]) => name !== 'recorder');
  if (sources.length === 0 || sources.some(([, s]) => s.state === 'up' || s.state === 'degraded')) return undefined;
  return 'no live source is available — try: vigil --replay recordings/demo-kernel-incident.jsonl.gz';
}
