// nginx and Apache access logs, common or combined format:
//   IP ident user [dd/Mon/yyyy:hh:mm:ss +zone] "METHOD target HTTP/x" status size …
//   failure: status 401 with a user (HTTP authentication refused the credentials offered), or
//            401/403 on a login path. A 401 without a user elsewhere is the server's challenge
//            to a request that offered none (a browser's first request, a health check), not a
//            failed login.
//   success: status < 400 with a remote user (HTTP authentication accepted; every request of the
//            session carries it), or a POST to a login path answered 301/302/303 (a form login's
//            redirect; forms that fail with 200 or with a redirect cannot be told apart here).
// Login paths are globs matched against the target without its query string, percent-decoded
// so that `/log%69n` cannot dodge `/login`. Parsed by hand, not by one regex: the user, target
// and agent are client-controlled and a backtracking pattern over them would be attackable.
import picomatch from 'picomatch';
import type { AuthLineParser, AuthOutcome } from './index.js';
import { splitLine } from './line.js';

const HEAD = /^(\S{1,255}) \S{1,255} /; // client address, ident
const TIME = /^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}$/;
const STATUS = /^ (\d{3}) /;

interface Access {
  ip: string;
  user: string;
  method: string;
  path: string;
  status: number;
}

function parseAccess(line: string): Access | undefined {
  const head = HEAD.exec(line);
  if (!head) return undefined;
  // Both servers escape `"` inside the user field (nginx as \x22, Apache as \"), so the first
  // `] "` is the one closing the timestamp.
  const open = line.indexOf('] "', head[0].length);
  const bracket = open < 0 ? -1 : line.lastIndexOf(' [', open);
  if (bracket < head[0].length || !TIME.test(line.slice(bracket + 2, open))) return undefined;
  const close = closingQuote(line, open + 3);
  const status = close < 0 ? null : STATUS.exec(line.slice(close + 1, close + 6));
  if (!status) return undefined;
  const [method = '', target = ''] = line.slice(open + 3, close).split(' ', 2);
  if (!/^[A-Z]{1,20}$/.test(method) || !target) return undefined;
  const user = line.slice(head[0].length, bracket);
  return { ip: head[1]!, user: user === '-' ? '' : user, method, path: decodePath(target), status: Number(status[1]) };
}

/** The `"` ending a quoted field that starts at `from`, skipping Apache's backslash escapes. */
function closingQuote(line: string, from: number): number {
  for (let i = from; i < line.length; i++) {
    if (line[i] === '\\') i++;
    else if (line[i] === '"') return i;
  }
  return -1;
}

function decodePath(target: string): string {
  const path = target.split('?', 1)[0]!;
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // malformed escapes: match it as written
  }
}

export function createWebParser(loginPaths: readonly string[]): AuthLineParser {
  const isLogin = picomatch([...loginPaths], { dot: true });
  return {
    parse(line) {
      const split = splitLine(line);
      const a = split && parseAccess(split.message);
      if (!a) return undefined;
      const outcome = (o: AuthOutcome['outcome']): AuthOutcome => ({ outcome: o, sourceIp: a.ip, user: a.user });
      if ((a.status === 401 && a.user) || ((a.status === 401 || a.status === 403) && isLogin(a.path))) return outcome('failure');
      if (a.method === 'POST' && [301, 302, 303].includes(a.status) && isLogin(a.path)) return outcome('success');
      if (a.status < 400 && a.user) return outcome('success');
      return undefined;
    },
  };
}
