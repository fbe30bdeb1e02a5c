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

const HELP = '  ? help';

/**
 * The first line keeps what is read at a glance within the width: the badge, the replay
 * position, the recording indicator and the counts come first; sources fill what is left, those
 * down or degraded first, those that are off summed up as one entry, and those that do not fit
 * counted.
 */
export function StatusLine(props: { status: StatusSnapshot; replay: ReplayStatus | undefined; width: number; message: string | undefined }) {
  const { status, replay, width, message } = props;
  const sources = [...status.sources].map(([name, s]) => ({ name, ...s }));
  const badge = replay ? ' REPLAY ' : ' LIVE ';
  const position = replay
    ? `${replay.ended ? 'ended' : replay.paused ? 'paused' : 'playing'} ${replay.position}${replay.total !== undefined ? `/${replay.total}` : ''} ` +
      `${replay.speed === 'max' ? 'max' : `${replay.speed}×`} ${replay.ts ? fit(replay.ts.replace('T', ' ').slice(0, 19), 19) : ''}  `
    : '';
  const rec = status.recording ? '● REC  ' : '';
  const counts =
    `${status.eventsPerSec} ev/s` +
    (status.lost ? `  lost ${status.lost}` : '') +
    (status.dropped ? `  dropped ${status.dropped}` : '') +
    (status.skipped ? `  skipped ${status.skipped}` : '');
  const off = sources.filter((s) => s.state === 'off').length;
  const offText = off ? `○ ${off} off  ` : '';
  let room = width - (badge.length + 1 + position.length + rec.length + counts.length + HELP.length + offText.length);
  const shown: (typeof sources[number] & { text: string })[] = [];
  let hidden = 0;
  // Sources in trouble first: they are what the operator must not miss.
  const on = [...sources.filter((s) => s.state === 'down' || s.state === 'degraded'), ...sources.filter((s) => s.state === 'up')];
  for (const s of on) {
    const text = `${fit(s.name, 24)}${s.state === 'up' ? '' : ` ${s.state}`}  `;
    if (hidden === 0 && text.length + 2 <= room - (s === on.at(-1) ? 0 : 4)) {
      shown.push({ ...s, text });
      room -= text.length + 2;
    } else {
      hidden++;
    }
  }
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        {replay ? <Text inverse color="magenta">{badge}</Text> : <Text inverse color="green">{badge}</Text>} {position}
        {rec && <Text color="red">{rec}</Text>}
        {shown.map((s) => (
          <Text key={s.name}>
            <Text color={stateColor[s.state]}>●</Text> {s.text}
          </Text>
        ))}
        {hidden > 0 && <Text dimColor>{`+${hidden}  `}</Text>}
        {offText && <Text color="gray">{offText}</Text>}
        <Text dimColor>
          {counts}
          {HELP}
        </Text>
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
