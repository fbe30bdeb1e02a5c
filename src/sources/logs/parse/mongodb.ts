// MongoDB ≥ 4.4 structured log, one JSON object a line (a container runtime's timestamp may
// precede it). Component ACCESS, matched by log id since the wording changed across versions:
//   failure: id 20249 ("Authentication failed");
//   success: id 20250 ("Successful authentication" in 4.4/5.0, "Authentication succeeded" later).
// The user is attr.principalName (attr.user as a fallback), the client attr.remote ("IP:port",
// "[v6]:port"; attr.client in 4.4). Failed speculative probes are logged at debug level only.
import type { AuthLineParser } from './index.js';
import { splitLine } from './line.js';

const OUTCOMES: Record<number, 'failure' | 'success'> = { 20249: 'failure', 20250: 'success' };

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The address of "IP:port" or "[IPv6]:port"; anything else as logged. */
function address(remote: string): string {
  const v6 = /^\[([^\]]{1,64})\]:\d{1,5}$/.exec(remote);
  if (v6) return v6[1]!;
  const v4 = /^([^:]{1,255}):\d{1,5}$/.exec(remote);
  return v4 ? v4[1]! : remote;
}

export function createMongoParser(): AuthLineParser {
  return {
    parse(line) {
      const split = splitLine(line);
      // Cheap checks first: only ACCESS lines are worth a JSON.parse.
      if (!split?.message.startsWith('{') || !split.message.includes('"ACCESS"')) return undefined;
      let entry: unknown;
      try {
        entry = JSON.parse(split.message);
      } catch {
        return undefined;
      }
      if (typeof entry !== 'object' || entry === null) return undefined;
      const { c, id, attr } = entry as { c?: unknown; id?: unknown; attr?: unknown };
      const outcome = typeof id === 'number' ? OUTCOMES[id] : undefined;
      if (c !== 'ACCESS' || !outcome || typeof attr !== 'object' || attr === null) return undefined;
      const a = attr as Record<string, unknown>;
      const remote = text(a.remote) ?? text(a.client) ?? '';
      return { outcome, sourceIp: address(remote), user: text(a.principalName) ?? text(a.user) ?? '' };
    },
  };
}
