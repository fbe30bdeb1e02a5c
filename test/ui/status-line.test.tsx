// The status line at the widths a responder's terminal has: what is read at a glance (badge,
// recording, counts) always shows, and sources fill what is left.
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceStatus, StatusSnapshot } from '../../src/ui/model/status.js';
import { StatusLine } from '../../src/ui/views/status-line.js';

const unmounts: (() => void)[] = [];
afterEach(() => unmounts.splice(0).forEach((u) => u()));

function firstLine(status: Partial<StatusSnapshot>, width: number, replay?: Parameters<typeof StatusLine>[0]['replay']): string {
  const snapshot: StatusSnapshot = { sources: new Map(), eventsPerSec: 0, events: 0, lost: 0, dropped: 0, skipped: 0, recording: undefined, ...status };
  const app = render(<StatusLine status={snapshot} replay={replay} width={width} message={undefined} />);
  unmounts.push(app.unmount);
  return (app.lastFrame() ?? '').split('\n')[0]!;
}

const live = new Map<string, SourceStatus>([
  ['docker', { state: 'up' }],
  ['audit', { state: 'up' }],
  ['files', { state: 'up' }],
  ['logs', { state: 'degraded', reason: 'nginx log unreadable' }],
  ['k8s-audit', { state: 'off' }],
  ['k8s-watch', { state: 'off' }],
  ['state', { state: 'up' }],
]);

describe('the status line', () => {
  it('at 120 columns on a live host shows every source that is on, and sums up those that are off', () => {
    const line = firstLine({ sources: live, eventsPerSec: 1234, dropped: 5, recording: 'recordings/x.jsonl.gz' }, 120);
    expect(line).toMatch(/^ LIVE +● REC +● logs degraded +● docker +● audit +● files +● state +○ 2 off +1234 ev\/s +dropped 5 +\? help$/);
  });

  it('at 80 columns keeps the recording indicator, the counts and the sources in trouble, and counts the rest', () => {
    const line = firstLine({ sources: live, eventsPerSec: 1234, dropped: 5, recording: 'recordings/x.jsonl.gz' }, 80);
    expect(line.length).toBeLessThanOrEqual(80);
    expect(line).toMatch(/^ LIVE +● REC +● logs degraded +(● docker +)?\+\d +○ 2 off +1234 ev\/s +dropped 5 +\? help$/);
  });

  it('in replay keeps the position and speed ahead of the sources', () => {
    const line = firstLine({ sources: new Map([['replay', { state: 'up' }]]), eventsPerSec: 10 }, 80, {
      position: 120,
      total: 4000,
      speed: 8,
      paused: true,
      ended: false,
      ts: '2026-11-27T10:00:00.000Z',
    });
    expect(line).toMatch(/REPLAY +paused 120\/4000 8× 2026-11-27 10:00:00/);
  });
});
