// Redis (checked on redis-server 7.0 at loglevel debug, and in the redis sources and issue
// tracker: redis/redis#7282, #7093) writes nothing to its log file about AUTH, failed or
// successful; failures go only to the in-memory `ACL LOG` and the `acl_access_denied_auth`
// counter of INFO. The nearest lines, `Accepted IP:port` / `Client closed connection … user=U`
// (verbose level) and `Possible SECURITY ATTACK detected` (no client named), are not outcomes.
// So this parser recognises nothing; reading ACL LOG would need a client connection, not a log.
import type { AuthLineParser } from './index.js';

export function createRedisParser(): AuthLineParser {
  return { parse: () => undefined };
}
