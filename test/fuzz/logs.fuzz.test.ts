// Fuzzes the log line parsers (sshd, nginx/Apache, MySQL/MariaDB, PostgreSQL, Redis, MongoDB, and
// the any-service parser for container output) and Docker's log stream demultiplexer. Each line
// goes through every parser, stateful ones keeping their state across a stream. A log line that
// is not an authentication outcome is not an error, so the parsers have no rejection to count:
// what they must do is never throw, stay fast on any line, say only well-formed outcomes, and
// still read the authentication lines they know when the values in them are hostile.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { authServices, type AuthService } from '../../src/engine/events.js';
import { demuxDockerLog } from '../../src/sources/logs/demux.js';
import { createAnyServiceParser, createAuthParser, type AuthOutcome } from '../../src/sources/logs/parse/index.js';
import { MAX_LINE } from '../../src/sources/logs/parse/line.js';
import { batch, fail, fixture, hostileString, linesOf, mutateBytes, mutateText, mutations, projectFile, prototypeState, timed } from './hostile.js';

const webLoginPaths = /webLoginPaths: \[(.*)\]/
  .exec(projectFile('profiles/default.yaml').toString('utf8'))![1]!
  .split(', ')
  .map((p) => p.slice(1, -1));
const sampleLines = ['sshd', 'nginx-access', 'mariadb-error', 'mariadb-general', 'postgresql', 'redis'].flatMap((name) =>
  linesOf(fixture(`fixtures/logs/${name}.log`)),
);

/** Generated lines, with what their service's parser must find in the last (having read the others). */
interface Generated {
  service: AuthService;
  lines: string[];
  outcome: AuthOutcome | undefined;
}

// Values a client controls, without what would make the line another line (a line break) or
// what the format itself escapes or cannot hold (noted at each use).
const without = (excluded: RegExp, options: { minLength?: number; maxLength?: number } = {}) =>
  fc
    .string({ unit: fc.oneof(fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constantFrom('\x1b', '\x07', '\x7f', '\x9b', '\u202e', '\ufeff', '\ud800', "'", '"', '@', '[', ']', ' ', '%')), ...options })
    .filter((s) => !excluded.test(s));
const ip = fc.oneof(fc.ipV4(), fc.ipV6());
const syslogPrefix = (tag: string) =>
  fc.constantFrom('', `Nov 27 14:52:01 host ${tag}[42]: `, `2026-11-27T14:52:01.123456+00:00 host ${tag}: `, `2026-11-27T14:52:01.123456789Z 2026-11-27T14:52:01+0000 host ${tag}[7]: `);

const sshLine: fc.Arbitrary<Generated> = fc
  .record({
    prefix: syslogPrefix('sshd'),
    accepted: fc.boolean(),
    // The user is whatever the client sent; only a leading `invalid user ` is the server's.
    user: without(/^invalid user |[\n\r\u2028\u2029]/, { maxLength: 200 }),
    invalid: fc.boolean(),
    ip: fc.oneof(ip, without(/\s/, { minLength: 1, maxLength: 40 })),
    port: fc.integer({ min: 0, max: 65535 }),
    key: fc.constantFrom('', ': RSA SHA256:Kw3z5bVb8mS0Y0Lq3u'),
  })
  .map(({ prefix, accepted, user, invalid, ip, port, key }) => ({
    service: 'ssh' as const,
    lines: [`${prefix}${accepted ? 'Accepted publickey' : 'Failed password'} for ${!accepted && invalid ? 'invalid user ' : ''}${user} from ${ip} port ${port} ssh2${key}`],
    outcome: { outcome: accepted ? 'success' : 'failure', sourceIp: ip, user },
  }));

// A user is written between the ident and ` [`; servers escape `"` in it.
const webUser = without(/"|\] "|^-$|^$/, { minLength: 1, maxLength: 40 });
const webLine: fc.Arbitrary<Generated> = fc
  .record({
    ip,
    form: fc.constantFrom('user-401', 'user-200', 'login-403', 'login-post', 'other'),
    user: webUser,
    // Targets are logged as sent: anything but the space and quote that end them.
    tail: without(/[\s"\\]/, { maxLength: 40 }),
    agent: without(/"|\\/, { maxLength: 40 }),
  })
  .map(({ ip, form, user, tail, agent }) => {
    const [who, method, target, status] = {
      'user-401': [user, 'GET', `/app/${tail}`, 401],
      'user-200': [user, 'GET', `/app/${tail}`, 200],
      'login-403': ['-', 'GET', `/login?next=${tail}`, 403],
      'login-post': ['-', 'POST', `/login?next=${tail}`, 302],
      other: ['-', 'GET', `/static/${tail}`, 200],
    }[form] as [string, string, string, number];
    const outcome: AuthOutcome | undefined =
      form === 'other' ? undefined : { outcome: form === 'user-200' || form === 'login-post' ? 'success' : 'failure', sourceIp: ip, user: who === '-' ? '' : who };
    return { service: 'web' as const, lines: [`${ip} - ${who} [27/Nov/2026:15:05:57 +0000] "${method} ${target} HTTP/1.1" ${status} 179 "-" "${agent}"`], outcome };
  });

const mysqlLine: fc.Arbitrary<Generated> = fc.oneof(
  // Error log: the user is quoted as sent; `'@'` inside it would be ambiguous even to a person.
  fc
    .record({ user: without(/'@'|\t|[\n\r\u2028\u2029]/, { maxLength: 60 }), host: without(/'|\t/, { maxLength: 60 }), prefix: fc.constantFrom('', '2026-11-27 15:02:40 8 [Warning] ') })
    .map(({ user, host, prefix }) => ({
      service: 'mysql' as const,
      lines: [`${prefix}Access denied for user '${user}'@'${host}' (using password: YES)`],
      outcome: { outcome: 'failure' as const, sourceIp: host, user },
    })),
  // General log: a Connect, then the thread's next command makes it a success.
  fc
    .record({ id: fc.integer({ min: 1, max: 1_000_000 }), user: without(/@|\t|[\n\r\u2028\u2029]/, { maxLength: 60 }), host: without(/[@ \t\n\r\u2028\u2029]/, { maxLength: 60 }) })
    .map(({ id, user, host }) => ({
      service: 'mysql' as const,
      lines: [`261127 15:02:37\t${String(id).padStart(6)} Connect\t${user}@${host} on shop using TCP/IP`, `\t\t${String(id).padStart(6)} Query\tSELECT 1`],
      outcome: { outcome: 'success' as const, sourceIp: host, user },
    })),
);

// What PostgreSQL writes after `user=` or inside `user "…"`: the client's name, which must not
// imitate the message syntax the parser keys on (a severity, the next `key=`).
const pgUser = without(/[\n\r\u2028\u2029:]| database=| application_name=| SSL | GSS /, { minLength: 1, maxLength: 60 });
const postgresLine: fc.Arbitrary<Generated> = fc
  .record({ pid: fc.integer({ min: 1, max: 4_000_000 }), host: fc.oneof(ip, fc.constant('[local]')), user: pgUser, ok: fc.boolean() })
  .map(({ pid, host, user, ok }) => ({
    service: 'postgresql' as const,
    lines: [
      `2026-11-27 15:05:59.014 UTC [${pid}] [unknown]@[unknown] LOG:  connection received: host=${host} port=35838`,
      ok
        ? `2026-11-27 15:05:59.100 UTC [${pid}] x@y LOG:  connection authorized: user=${user} database=postgres application_name=psql`
        : `2026-11-27 15:05:59.096 UTC [${pid}] x@y FATAL:  password authentication failed for user "${user}"`,
    ],
    outcome: { outcome: ok ? 'success' : 'failure', sourceIp: host, user },
  }));

const mongoLine: fc.Arbitrary<Generated> = fc
  .record({ ok: fc.boolean(), user: hostileString, ip: fc.ipV4(), port: fc.integer({ min: 0, max: 65535 }) })
  .map(({ ok, user, ip, port }) => ({
    service: 'mongodb' as const,
    lines: [
      JSON.stringify({
        t: { $date: '2026-11-27T14:52:01.123+00:00' },
        s: 'I',
        c: 'ACCESS',
        id: ok ? 20250 : 20249,
        ctx: 'conn12',
        msg: ok ? 'Authentication succeeded' : 'Authentication failed',
        attr: { mechanism: 'SCRAM-SHA-256', principalName: user, authenticationDatabase: 'admin', remote: `${ip}:${port}` },
      }),
    ],
    outcome: { outcome: ok ? ('success' as const) : ('failure' as const), sourceIp: ip, user },
  }))
  .filter((g) => g.lines[0]!.length <= MAX_LINE);

const generated = fc.oneof(sshLine, webLine, mysqlLine, postgresLine, mongoLine);

/** Lines of a stream: fixture lines as they are or mutated, generated authentication lines (also mutated), raw text. */
const line: fc.Arbitrary<string[]> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...sampleLines).map((l) => [l]) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...sampleLines), mutations).map(([l, list]) => [mutateText(l, list)]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...sampleLines), mutations).map(([l, list]) => [mutateBytes(Buffer.from(l), list).toString('utf8')]) },
  { weight: 3, arbitrary: generated.map((g) => g.lines) },
  { weight: 2, arbitrary: fc.tuple(generated, mutations).map(([g, list]) => g.lines.map((l) => mutateText(l, list))) },
  { weight: 1, arbitrary: hostileString.map((s) => [s]) },
  {
    // Lines around the length cap, of what regexes would backtrack on.
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('Failed password for ', "Access denied for user '", '[1] FATAL:  authentication failed for user "', '1.2.3.4 - ', ''), fc.constantFrom(' from x port 1', "'@'", ' authentication failed for user "', '] "', ' [', 'a', '\t1 '), fc.integer({ min: 1, max: 70_000 }))
      .map(([head, unit, n]) => [head + unit.repeat(Math.ceil(n / unit.length))]),
  },
);

const isOutcome = (o: unknown): o is AuthOutcome => {
  if (typeof o !== 'object' || o === null) return false;
  const { outcome, sourceIp, user, ...rest } = o as Record<string, unknown>;
  return (outcome === 'success' || outcome === 'failure') && typeof sourceIp === 'string' && typeof user === 'string' && Object.keys(rest).length === 0;
};

function parsers() {
  return {
    one: authServices.map((service) => ({ service, parser: createAuthParser(service, { webLoginPaths }) })),
    any: createAnyServiceParser({ webLoginPaths }),
  };
}

describe('log line parsers', () => {
  const before = prototypeState();
  afterAll(() => {
    expect(prototypeState()).toEqual(before);
  });

  it('5 000 generated authentication lines with hostile users and addresses are read as written', () => {
    fc.assert(
      fc.property(generated, ({ service, lines, outcome }) => {
        const parser = createAuthParser(service, { webLoginPaths });
        const results = lines.map((l) => timed(() => parser.parse(l)));
        expect(results[results.length - 1]).toEqual(outcome);
      }),
      { numRuns: 5000, seed: 0x1065_0001 },
    );
  }, 60_000);

  it('100 000 mutated and generated lines in 100 streams, each through every parser: never a throw, nothing but outcomes', () => {
    let total = 0;
    fc.assert(
      fc.property(batch(line, 900), (groups) => {
        const { one, any } = parsers();
        for (const text of groups.flat()) {
          total++;
          for (const { service, parser } of one) {
            const result = timed(() => parser.parse(text));
            if (result !== undefined && !isOutcome(result)) fail(`${service}: not an outcome`, { text, result });
          }
          const result = timed(() => any.parse(text));
          if (result !== undefined) {
            const { service, ...outcome } = result;
            if (!authServices.includes(service) || !isOutcome(outcome)) fail('any service: not an outcome', { text, result });
          }
        }
      }),
      { numRuns: 100, seed: 0x1065_0002, endOnFailure: true },
    );
    expect(total).toBeGreaterThanOrEqual(100_000);
  }, 120_000);

  const frame = (stream: number, payload: Uint8Array) => {
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };
  /** A stream cut into chunks at the given points (taken modulo its length). */
  const cut = (bytes: Buffer, points: number[]) => {
    const at = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
    return [...at, bytes.length].map((end, i) => bytes.subarray(i === 0 ? 0 : at[i - 1]!, end));
  };
  const demux = (chunks: Buffer[]) => {
    const out: Buffer[] = [];
    const push = demuxDockerLog((b) => out.push(Buffer.from(b)));
    for (const chunk of chunks) timed(() => push(chunk));
    return Buffer.concat(out);
  };

  it('10 000 framed, raw and damaged Docker log streams: payloads passed on whole, however the stream is cut', () => {
    const payload = fc.oneof(fc.uint8Array({ maxLength: 64 }), hostileString.map((s) => Buffer.from(s)));
    const stream = fc.oneof(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), payload), { minLength: 1, maxLength: 8 }).map((frames) => ({
        bytes: Buffer.concat(frames.map(([s, p]) => frame(s, p))),
        expected: Buffer.concat(frames.map(([, p]) => p)),
      })),
      // A TTY container's log: raw bytes, told apart by its first bytes.
      fc.uint8Array({ minLength: 8, maxLength: 200 }).filter((b) => !(b[0]! <= 2 && b[1] === 0 && b[2] === 0 && b[3] === 0)).map((b) => ({ bytes: Buffer.from(b), expected: Buffer.from(b) })),
      // Damaged or hostile framing: a header promising more than comes, garbage between frames.
      fc.tuple(fc.uint8Array({ minLength: 8, maxLength: 200 }), mutations).map(([b, list]) => ({ bytes: mutateBytes(frame(1, b), list), expected: undefined })),
    );
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 6 }), ({ bytes, expected }, points) => {
        const whole = demux([bytes]);
        if (!demux(cut(bytes, points)).equals(whole)) fail('the output depends on how the stream is cut', { bytes: bytes.toString('hex'), points });
        if (whole.length > bytes.length) fail('more bytes out than in');
        if (expected && !whole.equals(expected)) fail('payloads lost or altered', bytes.toString('hex'));
      }),
      { numRuns: 10_000, seed: 0x1065_0003 },
    );
  }, 60_000);
});
