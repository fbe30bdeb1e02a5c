// Authentication-outcome parsers: real log excerpts captured from the servers (test/fixtures/logs),
// format variants the servers write elsewhere (syslog, journald, containers, other versions),
// look-alikes that must not count, and hostile input.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuthService } from '../../src/engine/events.js';
import { createAnyServiceParser, createAuthParser, type AuthOutcome } from '../../src/sources/logs/parse/index.js';

const options = { webLoginPaths: ['/login', '/wp-login.php', '/**/signin'] };

/** The fixture's lines as written: sshd -E ends its lines with \r\n, kept to prove it is handled. */
function fixture(name: string): string[] {
  return readFileSync(new URL(`../fixtures/logs/${name}`, import.meta.url), 'utf8').split('\n');
}

function parseAll(service: AuthService, lines: string[]): AuthOutcome[] {
  const parser = createAuthParser(service, options);
  return lines.flatMap((line) => parser.parse(line) ?? []);
}

const one = (service: AuthService, line: string) => createAuthParser(service, options).parse(line);
const failure = (sourceIp: string, user: string): AuthOutcome => ({ outcome: 'failure', sourceIp, user });
const success = (sourceIp: string, user: string): AuthOutcome => ({ outcome: 'success', sourceIp, user });

describe('ssh', () => {
  it('reads the real sshd -E log: one failure per wrong password, none for "Invalid user", then the login', () => {
    expect(parseAll('ssh', fixture('sshd.log'))).toEqual([
      failure('127.0.0.1', 'vigiltest'),
      failure('127.0.0.1', 'vigiltest'),
      failure('127.0.0.1', 'nosuchuser'),
      success('127.0.0.1', 'vigiltest'),
    ]);
  });

  it('reads IPv6 clients (lines from sshd on ::1)', () => {
    expect(one('ssh', 'Failed password for vigiltest from ::1 port 39216 ssh2')).toEqual(failure('::1', 'vigiltest'));
    expect(one('ssh', 'Accepted password for vigiltest from ::1 port 54950 ssh2')).toEqual(success('::1', 'vigiltest'));
  });

  it('reads syslog, journald, RFC 3339 and container-timestamped lines, and every method', () => {
    expect(one('ssh', 'Nov 27 14:52:01 web1 sshd[1234]: Failed password for root from 203.0.113.5 port 52211 ssh2')).toEqual(failure('203.0.113.5', 'root'));
    expect(one('ssh', 'Nov  3 04:05:06 web1 sshd[99]: Failed password for invalid user admin from 198.51.100.2 port 4444 ssh2')).toEqual(failure('198.51.100.2', 'admin'));
    expect(one('ssh', '2026-11-27T14:52:01.123456+00:00 web1 sshd[1234]: Accepted publickey for deploy from 2001:db8::7 port 40022 ssh2: ED25519 SHA256:q8Ms0yCNRM1y3bQv0YyU8m3bCUs')).toEqual(
      success('2001:db8::7', 'deploy'),
    );
    expect(one('ssh', '2026-11-27T14:52:01+0000 web1 sshd-session[88]: Accepted keyboard-interactive/pam for ops from 192.0.2.4 port 2200 ssh2')).toEqual(success('192.0.2.4', 'ops'));
    expect(one('ssh', '2026-11-27T14:52:01.123456789Z Failed publickey for git from 192.0.2.9 port 51000 ssh2: RSA SHA256:AAAA')).toEqual(failure('192.0.2.9', 'git'));
    expect(one('ssh', '2026-11-27T14:52:01.123456789Z Nov 27 14:52:01 c1 sshd[7]: Accepted password for app from 10.1.2.3 port 1 ssh2')).toEqual(success('10.1.2.3', 'app'));
  });

  it('ignores look-alikes, PAM duplicates and the per-connection "Invalid user" notice', () => {
    for (const line of [
      'Invalid user nosuchuser from 127.0.0.1 port 33178',
      'Connection closed by 127.0.0.1 port 5555 [preauth]',
      'Connection closed by authenticating user vigiltest 127.0.0.1 port 45472 [preauth]',
      'Failed none for invalid user admin from 198.51.100.2 port 4444 ssh2',
      'Postponed keyboard-interactive for ops from 192.0.2.4 port 2200 ssh2 [preauth]',
      'Partial publickey for ops from 192.0.2.4 port 2200 ssh2: ED25519 SHA256:x',
      'Nov 27 14:52:01 web1 sshd[1234]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user=root',
      'Nov 27 14:52:01 web1 sshd[1234]: PAM 2 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.5  user=root',
      'Nov 27 14:52:01 web1 sshd[1234]: error: maximum authentication attempts exceeded for root from 203.0.113.5 port 52211 ssh2 [preauth]',
      'Nov 27 14:52:01 web1 sudo[55]: Accepted password for root from 203.0.113.5 port 52211 ssh2',
      'Disconnected from user vigiltest 127.0.0.1 port 33180',
      'Received disconnect from 127.0.0.1 port 33180:11: disconnected by user',
    ]) {
      expect(one('ssh', line), line).toBeUndefined();
    }
  });

  it('takes the last " from … port … ssh2", so a user name cannot forge the source address', () => {
    expect(one('ssh', 'Failed password for invalid user x from 6.6.6.6 port 1 ssh2 from 203.0.113.5 port 52211 ssh2')).toEqual(
      failure('203.0.113.5', 'x from 6.6.6.6 port 1 ssh2'),
    );
  });
});

describe('web', () => {
  it('reads the real nginx access log: refused credentials fail, basic auth and a login redirect succeed', () => {
    // 401 without credentials (the challenge: not a login), 401 with credentials, 401 for an
    // unknown user, 200 with the user, 404 with the user, GET of the login form, POST to the
    // login form answered 302.
    expect(parseAll('web', fixture('nginx-access.log'))).toEqual([
      failure('127.0.0.1', 'vigiltest'),
      failure('127.0.0.1', 'bob'),
      success('127.0.0.1', 'vigiltest'),
      success('127.0.0.1', ''),
    ]);
  });

  it('applies the login-path rules with globs, query strings ignored and paths decoded', () => {
    const line = (method: string, target: string, status: number, user = '-') =>
      `203.0.113.5 - ${user} [27/Nov/2026:15:05:57 +0000] "${method} ${target} HTTP/1.1" ${status} 12 "-" "Mozilla/5.0"`;
    expect(one('web', line('POST', '/wp-login.php?redirect_to=%2F', 403))).toEqual(failure('203.0.113.5', ''));
    expect(one('web', line('POST', '/app/v2/signin', 303))).toEqual(success('203.0.113.5', ''));
    expect(one('web', line('POST', '/log%69n', 302))).toEqual(success('203.0.113.5', ''));
    expect(one('web', line('GET', '/admin', 401, 'alice'))).toEqual(failure('203.0.113.5', 'alice'));
    expect(one('web', line('GET', '/admin', 304, 'alice'))).toEqual(success('203.0.113.5', 'alice'));
    for (const benign of [
      line('GET', '/login', 200),
      line('POST', '/login', 200),
      line('GET', '/login', 302),
      line('GET', '/admin', 403),
      line('GET', '/missing', 404),
      line('GET', '/', 500, 'alice'),
      line('POST', '/login%zz', 302),
    ]) {
      expect(one('web', benign), benign).toBeUndefined();
    }
  });

  it('reads Apache escapes, IPv6 clients, user names with spaces, and prefixed lines', () => {
    expect(one('web', '2001:db8::5 - c [27/Nov/2026:15:05:57 +0100] "GET /a\\"b HTTP/1.1" 401 381 "-" "curl \\"x\\""')).toEqual(failure('2001:db8::5', 'c'));
    // A challenge to a request without credentials is not a failed login (a health check, a browser's first request).
    expect(one('web', '2001:db8::5 - - [27/Nov/2026:15:05:57 +0100] "GET /a\\"b HTTP/1.1" 401 381 "-" "curl \\"x\\""')).toBeUndefined();
    expect(one('web', '192.0.2.1 - a b [27/Nov/2026:15:05:57 +0000] "GET / HTTP/1.1" 401 0')).toEqual(failure('192.0.2.1', 'a b'));
    expect(one('web', '2026-11-27T15:05:57.123456789Z 192.0.2.1 - eve [27/Nov/2026:15:05:57 +0000] "GET / HTTP/1.1" 401 0 "-" "-"')).toEqual(failure('192.0.2.1', 'eve'));
    expect(one('web', 'Nov 27 15:05:57 web1 nginx: 192.0.2.1 - bob [27/Nov/2026:15:05:57 +0000] "GET / HTTP/2.0" 200 5 "-" "-"')).toEqual(success('192.0.2.1', 'bob'));
  });

  it('ignores lines that are not access-log requests', () => {
    for (const line of [
      '192.0.2.1 - - [27/Nov/2026:15:05:57 +0000] "\\x16\\x03\\x01\\x00" 400 157 "-" "-"',
      '192.0.2.1 - - [27/Nov/2026:15:05:57 +0000] "-" 401 0 "-" "-"',
      '192.0.2.1 - - [not a time] "GET / HTTP/1.1" 401 0',
      '2026/11/27 15:05:57 [error] 12#12: *1 user "bob": password mismatch, client: 127.0.0.1, server: , request: "GET / HTTP/1.1"',
      '192.0.2.1 - - [27/Nov/2026:15:05:57 +0000] "GET / HTTP/1.1',
    ]) {
      expect(one('web', line), line).toBeUndefined();
    }
  });
});

describe('mysql', () => {
  it('reads the real MariaDB error log: password denials fail, a database denial is not one', () => {
    expect(parseAll('mysql', fixture('mariadb-error.log'))).toEqual([
      failure('localhost', 'vigiltest'),
      failure('localhost', 'bob'),
      failure('localhost', 'vigiltest'),
    ]);
  });

  it('reads the real MariaDB general log: a Connect succeeds only when no denial follows it', () => {
    expect(parseAll('mysql', fixture('mariadb-general.log'))).toEqual([
      success('localhost', 'root'),
      failure('localhost', 'vigiltest'),
      failure('localhost', 'bob'),
      failure('localhost', 'vigiltest'),
      success('localhost', 'vigiltest'),
      success('localhost', 'vigiltest'), // right password, then refused the database
      success('localhost', 'root'),
    ]);
  });

  it('reads MySQL 8 error and general log lines', () => {
    expect(one('mysql', '2026-11-27T14:52:01.123456Z 8 [Note] [MY-010926] [Server] Access denied for user \'admin\'@\'203.0.113.9\' (using password: YES)')).toEqual(
      failure('203.0.113.9', 'admin'),
    );
    expect(
      parseAll('mysql', [
        '2026-11-27T14:52:01.123456Z\t   10 Connect\tapp@10.0.0.5 on shop using SSL/TLS',
        '2026-11-27T14:52:01.124000Z\t   11 Connect\tproxy@10.0.0.6 as app on shop using TCP/IP',
        '2026-11-27T14:52:01.125000Z\t   10 Query\tSELECT 1',
        '2026-11-27T14:52:01.126000Z\t   11 Quit\t',
      ]),
    ).toEqual([success('10.0.0.5', 'app'), success('10.0.0.6', 'proxy')]);
  });

  it('ignores a Connect with nothing after it, and unrelated denials', () => {
    expect(one('mysql', '\t\t     4 Connect\tvigiltest@localhost on  using TCP/IP')).toBeUndefined();
    expect(one('mysql', "2026-11-27 15:02:37 8 [Warning] Access denied for user 'vigiltest'@'localhost' to database 'mysql'")).toBeUndefined();
    expect(one('mysql', '\t\t     9 Query\tselect 1')).toBeUndefined();
  });
});

describe('postgresql', () => {
  it('reads the real log: failures from the remembered host, the success, and nothing for the readiness probe', () => {
    expect(parseAll('postgresql', fixture('postgresql.log'))).toEqual([
      failure('127.0.0.1', 'vigiltest'),
      failure('127.0.0.1', 'nosuchuser'),
      success('127.0.0.1', 'vigiltest'),
    ]);
  });

  const prefix = (pid: number, who = '[unknown]@[unknown]') => `2026-11-27 14:52:01.123 UTC [${pid}] ${who} `;

  it('needs the connection line of the same pid for a success', () => {
    const lines = [`${prefix(10)}LOG:  connection received: host=203.0.113.7 port=5000`, `${prefix(11, 'app@shop')}LOG:  connection authorized: user=app database=shop`];
    expect(parseAll('postgresql', lines)).toEqual([]);
  });

  it('uses the %h host of the prefix, and "" when no host is known at all', () => {
    expect(one('postgresql', '2026-11-27 14:52:01.123 UTC [77] 203.0.113.7(51234) admin@db FATAL:  password authentication failed for user "admin"')).toEqual(
      failure('203.0.113.7', 'admin'),
    );
    expect(one('postgresql', `${prefix(78, 'admin@db')}FATAL:  password authentication failed for user "admin"`)).toEqual(failure('', 'admin'));
    expect(one('postgresql', '2026-11-27 14:52:01.123 UTC [79] FATAL:  no pg_hba.conf entry for host "198.51.100.3", user "sa", database "master", no encryption')).toEqual(
      failure('198.51.100.3', 'sa'),
    );
  });

  it('reads syslog lines (pid from the tag) and other methods', () => {
    const lines = [
      'Nov 27 14:52:01 db1 postgres[4321]: [3-1] 2026-11-27 14:52:01.123 UTC LOG:  connection received: host=2001:db8::3 port=6000',
      'Nov 27 14:52:01 db1 postgres[4321]: [4-1] 2026-11-27 14:52:01.124 UTC FATAL:  md5 authentication failed for user "etl"',
      'Nov 27 14:52:02 db1 postgres[4322]: [3-1] 2026-11-27 14:52:02.123 UTC LOG:  connection received: host=2001:db8::3 port=6001',
      'Nov 27 14:52:02 db1 postgres[4322]: [4-1] 2026-11-27 14:52:02.124 UTC LOG:  replication connection authorized: user=replica',
    ];
    expect(parseAll('postgresql', lines)).toEqual([failure('2001:db8::3', 'etl'), success('2001:db8::3', 'replica')]);
  });

  it('cannot be fooled by a client-chosen user name imitating messages or an address', () => {
    const lines = [
      `${prefix(20)}LOG:  connection received: host=203.0.113.7 port=5000`,
      `${prefix(20, '6.6.6.6 x@db')}FATAL:  password authentication failed for user "6.6.6.6 x"`,
      `${prefix(21)}LOG:  connection received: host=203.0.113.8 port=5001`,
      `${prefix(21, 'x LOG:  connection authorized: user=admin database=db@db')}FATAL:  password authentication failed for user "x LOG:  connection authorized: user=admin database=db"`,
      `${prefix(21, 'x LOG:  connection authorized: user=admin database=db@db')}DETAIL:  Role "x LOG:  connection authorized: user=admin database=db" does not exist.`,
    ];
    expect(parseAll('postgresql', lines).map((o) => [o.outcome, o.sourceIp])).toEqual([
      ['failure', '203.0.113.7'],
      ['failure', '203.0.113.8'],
    ]);
  });

  it('remembers at most 4096 pending connections, dropping the oldest', () => {
    const parser = createAuthParser('postgresql', options);
    for (let pid = 1; pid <= 5000; pid++) parser.parse(`${prefix(pid)}LOG:  connection received: host=10.0.0.1 port=${pid}`);
    expect(parser.parse(`${prefix(1, 'a@b')}LOG:  connection authorized: user=a database=b`)).toBeUndefined();
    expect(parser.parse(`${prefix(5000, 'a@b')}LOG:  connection authorized: user=a database=b`)).toEqual(success('10.0.0.1', 'a'));
  });
});

describe('redis', () => {
  it('finds nothing in a real redis-server log, even at loglevel debug with failed AUTHs in it', () => {
    const log = fixture('redis.log');
    expect(log.some((l) => l.includes('SECURITY ATTACK'))).toBe(true);
    expect(parseAll('redis', log)).toEqual([]);
  });
});

describe('mongodb', () => {
  const entry = (id: number, msg: string, attr: object) =>
    JSON.stringify({ t: { $date: '2026-11-27T14:52:01.123+00:00' }, s: 'I', c: 'ACCESS', id, ctx: 'conn12', msg, attr });

  it('reads authentication results of 6.0+ and 4.4', () => {
    const failed = entry(20249, 'Authentication failed', {
      mechanism: 'SCRAM-SHA-256',
      speculative: false,
      principalName: 'admin',
      authenticationDatabase: 'admin',
      remote: '203.0.113.8:50412',
      extraInfo: {},
      error: 'AuthenticationFailed: SCRAM authentication failed, storedKey mismatch',
    });
    expect(one('mongodb', failed)).toEqual(failure('203.0.113.8', 'admin'));
    expect(one('mongodb', `2026-11-27T14:52:01.123456789Z ${failed}`)).toEqual(failure('203.0.113.8', 'admin'));
    const succeeded = entry(20250, 'Authentication succeeded', { mechanism: 'SCRAM-SHA-256', principalName: 'app', authenticationDatabase: 'shop', remote: '[2001:db8::9]:50414', extraInfo: {} });
    expect(one('mongodb', succeeded)).toEqual(success('2001:db8::9', 'app'));
    const v44 = entry(20250, 'Successful authentication', { mechanism: 'SCRAM-SHA-1', principalName: 'old', authenticationDatabase: 'admin', client: '10.0.0.4:40000' });
    expect(one('mongodb', v44)).toEqual(success('10.0.0.4', 'old'));
  });

  it('ignores other entries and malformed JSON', () => {
    for (const line of [
      JSON.stringify({ t: {}, s: 'I', c: 'NETWORK', id: 22943, ctx: 'listener', msg: 'Connection accepted', attr: { remote: '127.0.0.1:5000' } }),
      JSON.stringify({ c: 'ACCESS', id: 20249 }),
      JSON.stringify({ c: 'ACCESS', id: 20436, msg: 'Checking authorization failed', attr: {} }),
      '{"c":"ACCESS","id":20249,"attr":{',
      '["ACCESS"]',
      'null',
      '{"c":"ACCESS","id":"20249","attr":{}}',
    ]) {
      expect(one('mongodb', line), line).toBeUndefined();
    }
  });
});

describe('any service (container output)', () => {
  it('finds the service of every real outcome, and nothing in the rest', () => {
    const parser = createAnyServiceParser(options);
    const services = (name: string) => fixture(name).flatMap((l) => parser.parse(l)?.service ?? []);
    expect(services('sshd.log')).toEqual(['ssh', 'ssh', 'ssh', 'ssh']);
    expect(services('nginx-access.log')).toEqual(['web', 'web', 'web', 'web']);
    expect(services('postgresql.log')).toEqual(['postgresql', 'postgresql', 'postgresql']);
    expect(services('mariadb-error.log')).toEqual(['mysql', 'mysql', 'mysql']);
    expect(services('redis.log')).toEqual([]);
    const mongo = JSON.stringify({ c: 'ACCESS', id: 20249, msg: 'Authentication failed', attr: { principalName: 'a', remote: '192.0.2.1:1' } });
    expect(parser.parse(mongo)).toEqual({ ...failure('192.0.2.1', 'a'), service: 'mongodb' });
  });
});

describe('hostile input', () => {
  const MB = 1024 * 1024;
  const hostile = [
    'a'.repeat(MB),
    `Failed password for ${'x from 1.2.3.4 port 1 ssh2: '.repeat(MB / 28)}`,
    `1.2.3.4 - u${' [27/Nov/2026:15:05:57 +0000] "GET'.repeat(MB / 36)}`,
    `2026-11-27 14:52:01.123 UTC [1] ${' FATAL:  password authentication failed for user "'.repeat(MB / 52)}`,
    `{"c":"ACCESS","id":20249,"attr":${'['.repeat(MB)}`,
    // Just under the 64 KiB cap, shaped for the worst case of each parser's patterns.
    `1.2.3.4 - u${' [27/Nov/2026:15:05:57 +0000] "GET /'.repeat(1700)}`,
    `\t\t 1 Connect\t${'@a'.repeat(30_000)}`,
    `\t\t 1 Connect\tAccess denied for user '${"'@'x".repeat(15_000)}`,
    `2026-11-27T00:00:00Z h web1: ${"Access denied for user '".repeat(2500)}`,
    `{"c":"ACCESS","id":20249,"attr":{"remote":"${'['.repeat(60_000)}"}}`,
    `\u001b[31mFailed password for \u001b]0;pwned\u0007root from 203.0.113.5 port 22 ssh2\u001b[0m`,
    '\u0000\ud800\udfff\ufffe Accepted password for \u0000 from \u0000 port 1 ssh2',
    `Nov 27 14:52:01 ${'h'.repeat(300)} sshd[1]: Accepted password for a from 1.2.3.4 port 1 ssh2`,
  ];

  it('parses a 1 MB line and pathological shapes quickly, without throwing', () => {
    const parsers = [...(['ssh', 'web', 'mysql', 'postgresql', 'redis', 'mongodb'] as const).map((s) => createAuthParser(s, options)), createAnyServiceParser(options)];
    for (const line of hostile) {
      const started = performance.now();
      for (const parser of parsers) parser.parse(line);
      expect(performance.now() - started, line.slice(0, 60)).toBeLessThan(250);
    }
  });

  it('passes escape sequences through as data rather than failing', () => {
    expect(one('web', '192.0.2.1 - \u001b[2J [27/Nov/2026:15:05:57 +0000] "GET / HTTP/1.1" 401 0')).toEqual(failure('192.0.2.1', '\u001b[2J'));
    expect(one('ssh', hostile[10]!)).toBeUndefined(); // sshd itself would have escaped these
  });
});
