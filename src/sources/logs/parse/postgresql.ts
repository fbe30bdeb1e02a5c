// PostgreSQL's stderr log (or syslog), with a log_line_prefix holding `[%p]`, such as the
// upstream default `%m [%p] ` or Debian's `%m [%p] %q%u@%d `.
//   With log_connections=on, `LOG:  connection received: host=H port=N` is the only line that
//   names the client, so its host is remembered by pid (at most 4096, oldest dropped).
//   failure: `FATAL:  <method> authentication failed for user "U"` (password, md5, scram, ident,
//            peer, ldap, pam…) from the remembered host, else the `%h` host when the prefix has
//            one, else "" (log_connections=off still logs failures, without the client); also
//            `FATAL:  no pg_hba.conf entry for host "H", user "U", …` and `pg_hba.conf rejects …`.
//   success: `LOG:  [replication ]connection authorized: user=U …` for a pid whose host is known.
// Before authentication the prefix's %u is whatever the client sent, so it may imitate these
// messages or an address: a FATAL anywhere in a line ends its pid's entry (every failed
// connection ends in one), a success needs a live entry, and the remembered host, from a line
// without client text, wins over one found in the prefix.
import { isIP } from 'node:net';
import type { AuthLineParser } from './index.js';
import { remember, splitLine } from './line.js';

// Authentication lines are short (names are at most 63 bytes); long ones are queries.
const MAX_LINE = 4096;
const SEVERITY = /(?:^| )(DEBUG[1-5]|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC|DETAIL|HINT|QUERY|CONTEXT|LOCATION|STATEMENT):  /;
const PID = /^\[(\d{1,10})\]$/;
const RECEIVED = /^connection received: host=(\S{1,255})/;
// `user=U` is followed by ` database=D`, ` application_name=A` or SSL/GSS details, or ends the line.
const AUTHORIZED = /^(?:replication )?connection authorized: user=(.{1,255}?)(?: database=| application_name=| SSL | GSS |$)/;
const AUTH_FAILED = / authentication failed for user "(.*)"$/;
const HBA_REJECTED = /(?:no pg_hba\.conf entry|pg_hba\.conf rejects connection) for host "([^"]{1,255})", user "(.{0,255}?)", database "/;

/** The prefix's pid and `%h` host (an address, `%r`'s `addr(port)`, or `[local]`), when present. */
function prefixFields(prefix: string): { pid?: string; host?: string } {
  const fields: { pid?: string; host?: string } = {};
  for (const token of prefix.split(' ')) {
    const pid = PID.exec(token);
    const addr = token.replace(/\(\d{1,5}\)$/, '');
    if (pid) fields.pid ??= pid[1];
    else if (isIP(addr) || addr === '[local]') fields.host ??= addr;
  }
  return fields;
}

export function createPostgresParser(): AuthLineParser {
  const hosts = new Map<string, string>();
  return {
    parse(line) {
      const split = line.length <= MAX_LINE ? splitLine(line) : undefined;
      const severity = split && SEVERITY.exec(split.message);
      if (!split || !severity) return undefined;
      const fields = prefixFields(split.message.slice(0, severity.index));
      const pid = fields.pid ?? split.pid;
      const known = pid === undefined ? undefined : hosts.get(pid);
      const message = split.message.slice(severity.index + severity[0].length);
      if (severity[1] === 'FATAL' || message.includes(' FATAL:  ')) {
        if (pid !== undefined) hosts.delete(pid);
        const failed = AUTH_FAILED.exec(message);
        if (failed) return { outcome: 'failure', sourceIp: known ?? fields.host ?? '', user: failed[1]! };
        const rejected = HBA_REJECTED.exec(message);
        return rejected ? { outcome: 'failure', sourceIp: rejected[1]!, user: rejected[2]! } : undefined;
      }
      if (severity[1] !== 'LOG' || pid === undefined) return undefined;
      const received = RECEIVED.exec(message);
      if (received) {
        remember(hosts, pid, received[1]!);
        return undefined;
      }
      const authorized = AUTHORIZED.exec(message);
      const host = known ?? fields.host;
      if (!authorized || host === undefined) return undefined;
      hosts.delete(pid);
      return { outcome: 'success', sourceIp: host, user: authorized[1]! };
    },
  };
}
