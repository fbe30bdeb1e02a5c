// user.brute_force: authentication failures from one source address against one service
// within the window reach the threshold ("attempt"); a success from that source while its
// failures still count is the brute force succeeding ("success", higher severity).
import { defineRule } from '../rule.js';

/** Sources tracked at once; the least recently seen is forgotten first. */
const MAX_SOURCES = 10_000;
const SAMPLE = 5;

interface Failures {
  times: number[];
  seqs: number[];
  users: Set<string>;
  lines: string[];
}

export default defineRule({
  id: 'user.brute_force',
  category: 'user',
  severity: 'medium',
  title: { en: 'Brute force', zh: '暴力破解' },
  mitre: 'T1110',
  consumes: ['logs/auth'],
  create: (profile) => {
    const { threshold, windowSeconds } = profile.bruteForce;
    const windowMs = windowSeconds * 1000;
    const sources = new Map<string, Failures>();

    return (event) => {
      const a = event.data;
      const key = `${a.containerId ?? ''}\0${a.service}\0${a.sourceIp}`;
      const now = Date.parse(event.ts);
      const f = sources.get(key) ?? { times: [], seqs: [], users: new Set<string>(), lines: [] };
      while (f.times.length > 0 && now - f.times[0]! > windowMs) {
        f.times.shift();
        f.seqs.shift();
      }
      // Re-inserted so the map's order is least recently seen first.
      sources.delete(key);
      sources.set(key, f);
      if (sources.size > MAX_SOURCES) sources.delete(sources.keys().next().value!);
      const where = a.containerId ? '' : ` (${a.origin})`;
      const evidence = () => ({
        service: a.service,
        sourceIp: a.sourceIp,
        failures: f.times.length,
        windowSeconds,
        threshold,
        users: [...f.users].slice(0, 10),
        origin: a.origin,
        lines: f.lines.slice(-SAMPLE),
      });
      if (a.outcome === 'failure') {
        f.times.push(now);
        f.seqs.push(event.seq);
        f.users.add(a.user);
        f.lines.push(a.line);
        if (f.lines.length > SAMPLE) f.lines.shift();
        if (f.times.length < threshold) return [];
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
      if (f.times.length < threshold) return [];
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
