// MySQL and MariaDB.
//   failure: `Access denied for user 'U'@'HOST' (using password: YES|NO)`, from the error log
//            (MariaDB by default; MySQL 8 only with log_error_verbosity=3) or the general query
//            log. `… to database 'D'` denials are not authentication failures and are skipped.
//   success: only the general query log shows one. Its `<id> Connect U@HOST on DB using TCP/IP`
//            line is written for every *tried* login, before the password is checked, and a
//            failure follows as `<id> Connect Access denied …`; so a Connect is held per thread
//            id and becomes a success when that thread's next line is anything else (its first
//            query, or Quit; an `Init DB … Access denied … to database` too, as the password was
//            right). HOST is what the server logs: an IP, or a name when it resolves.
import type { AuthLineParser, AuthOutcome } from './index.js';
import { remember, splitLine } from './line.js';

const DENIED = /^Access denied for user '(.*)'@'([^']*)' \(using password: (?:YES|NO)\)$/;
// `[time]\t[\t] <id> <Command>\t<argument>`: MariaDB writes the time only on a second's first line.
const GENERAL = /^[^\t]{0,40}\t{1,2} *(\d{1,20}) ([A-Z][A-Za-z ]{0,30})\t/;
// `U@HOST on DB using VIO`, or `U@HOST as PROXIED on …`; a host has no `@` or space, a user may.
const CONNECT = /^(.*?)@([^@ ]*) (?:on|as) /;

function denied(text: string): AuthOutcome | undefined {
  const m = DENIED.exec(text);
  return m ? { outcome: 'failure', sourceIp: m[2]!, user: m[1]! } : undefined;
}

export function createMysqlParser(): AuthLineParser {
  const pending = new Map<string, { user: string; host: string }>();
  return {
    parse(line) {
      const split = splitLine(line);
      if (!split) return undefined;
      const general = GENERAL.exec(split.message);
      if (!general) {
        const at = split.message.indexOf("Access denied for user '");
        return at < 0 ? undefined : denied(split.message.slice(at));
      }
      const [, id, command] = general;
      const argument = split.message.slice(general[0].length);
      const held = pending.get(id!);
      pending.delete(id!);
      if (command === 'Connect') {
        const failure = denied(argument);
        if (failure) return failure;
        const m = CONNECT.exec(argument);
        if (m) remember(pending, id!, { user: m[1]!, host: m[2]! });
        return undefined;
      }
      return held && { outcome: 'success', sourceIp: held.host, user: held.user };
    },
  };
}
