// OpenSSH sshd, from syslog (auth.log, journald) or `sshd -E file` / `-e` (bare messages, CRLF).
//   failure: `Failed <method> for [invalid user ]U from IP port N ssh2[: key]`, one per rejected
//            credential. `Invalid user U from IP` is NOT counted: sshd logs it once per connection
//            when the name is looked up, and every password the unknown user then tries is logged
//            again as `Failed password for invalid user U`, which is always there for a password
//            attempt, so counting both would count the attempt twice. `Failed none` is skipped too:
//            every client probes the `none` method first to learn the allowed ones.
//            PAM lines (`pam_unix(sshd:auth): authentication failure; …`) duplicate the sshd
//            line for the same attempt and are ignored.
//   success: `Accepted <method> for U from IP port N ssh2[: key]`.
// The user is whatever the client sent (sshd escapes control characters), so it may itself
// contain " from … port …": the last such suffix is the real one, hence the greedy user group.
import type { AuthLineParser } from './index.js';
import { splitLine } from './line.js';

// sshd builds each message in a 1 KiB buffer: anything longer is not from sshd.
const MAX_MESSAGE = 1024;
const OUTCOME = /^(Accepted|Failed) (\S+) for (invalid user )?(.*) from (\S+) port \d{1,5} ssh2(?:: .*)?$/s;
const SSHD_TAG = /^sshd(?:-session|-auth)?$/;

export function createSshParser(): AuthLineParser {
  return {
    parse(line) {
      const split = splitLine(line);
      // In a shared syslog file only sshd's own lines count; bare lines are sshd -E/-e output.
      if (!split || split.message.length > MAX_MESSAGE || (split.tag !== undefined && !SSHD_TAG.test(split.tag))) return undefined;
      const m = OUTCOME.exec(split.message);
      if (!m || (m[1] === 'Failed' && m[2] === 'none')) return undefined;
      return { outcome: m[1] === 'Accepted' ? 'success' : 'failure', sourceIp: m[5]!, user: m[4]! };
    },
  };
}
