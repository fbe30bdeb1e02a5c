// user.brute_force: authentication failures from one source address against one service
// within the window reach the threshold ("attempt"); a success from that source while its
// failures still count is the brute force succeeding ("success", higher severity).
import { defineRule, NONE } from '../rule.js';
import { addTo, SlidingWindows } from './sliding-window.js';

const SAMPLE = 5;

export default defineRule({
  id: 'user.brute_force',
  category: 'user',
  severity: 'medium',
  title: { en: 'Brute force', zh: '暴力破解' },
  mitre: 'T1110',
  consumes: ['logs/auth'],
  create: (profile) => {
    const { threshold, windowSeconds } = profile.bruteForce;
    // Failures per source address and service, with the users tried and the last lines.
    const sources = new SlidingWindows<undefined, { users: Set<string>; lines: string[] }>(windowSeconds * 1000, () => ({ users: new Set(), lines: [] }));

    return (event) => {
      const a = event.data;
      const now = Date.parse(event.ts);
      const key = `${a.containerId ?? ''}\0${a.service}\0${a.sourceIp}`;
      // A success only matters from a source already failing: it starts no window.
      const f = a.outcome === 'failure' ? sources.at(key, now) : sources.peek(key, now);
      if (f === undefined) return NONE;
      const where = a.containerId ? '' : ` (${a.origin})`;
      const evidence = () => ({
        service: a.service,
        sourceIp: a.sourceIp,
        failures: f.times.length,
        windowSeconds,
        threshold,
        users: [...f.extra.users].slice(0, 10),
        origin: a.origin,
        lines: f.extra.lines.slice(-SAMPLE),
      });
      if (a.outcome === 'failure') {
        addTo(f, now, event.seq, undefined);
        f.extra.users.add(a.user);
        f.extra.lines.push(a.line);
        if (f.extra.lines.length > SAMPLE) f.extra.lines.shift();
        if (f.times.length < threshold) return NONE;
        return [
          {
            key: `attempt\0${a.service}\0${a.sourceIp}`,
            ...(a.containerId && { containerId: a.containerId }),
            summary: `${f.times.length} failed ${a.service} logins from ${a.sourceIp} within ${windowSeconds}s${where}`,
            evidence: { outcome: 'attempt', ...evidence() },
            events: f.seqs.slice(-20),
          },
        ];
      }
      if (f.times.length < threshold) return NONE;
      return [
        {
          key: `success\0${a.service}\0${a.sourceIp}\0${a.user}`,
          ...(a.containerId && { containerId: a.containerId }),
          severity: 'high',
          summary: `${a.service} login as ${a.user || '(unknown user)'} from ${a.sourceIp} succeeded after ${f.times.length} failures${where}`,
          evidence: { outcome: 'success', user: a.user, ...evidence(), successLine: a.line },
          events: [...f.seqs.slice(-19), event.seq],
        },
      ];
    };
  },
});
