// Per-service parsers that turn one log line into an authentication outcome, for host log files
// (the service is configured) and container output (the service is guessed by trying each).
// Pure functions of the lines seen: no I/O; state only where a format spreads one login over
// several lines (PostgreSQL, the MySQL general log), and then bounded.
import { authServices, type AuthService } from '../../../engine/events.js';
import { createMongoParser } from './mongodb.js';
import { createMysqlParser } from './mysql.js';
import { createPostgresParser } from './postgresql.js';
import { createRedisParser } from './redis.js';
import { createSshParser } from './ssh.js';
import { createWebParser } from './web.js';

export interface AuthOutcome {
  outcome: 'success' | 'failure';
  sourceIp: string;
  user: string;
}

export interface AuthLineParser {
  parse(line: string): AuthOutcome | undefined;
}

export interface AuthParserOptions {
  /** Globs of login form paths (query strings ignored), for web logs. */
  webLoginPaths: readonly string[];
}

/** A parser for one service's log (stateful where the format needs it, e.g. PostgreSQL's pid → host). */
export function createAuthParser(service: AuthService, options: AuthParserOptions): AuthLineParser {
  switch (service) {
    case 'ssh':
      return createSshParser();
    case 'web':
      return createWebParser(options.webLoginPaths);
    case 'mysql':
      return createMysqlParser();
    case 'postgresql':
      return createPostgresParser();
    case 'redis':
      return createRedisParser();
    case 'mongodb':
      return createMongoParser();
  }
}

/** For a container's stdout/stderr, whose service is unknown: tries each service's parser; returns the service too. */
export function createAnyServiceParser(options: AuthParserOptions): { parse(line: string): (AuthOutcome & { service: AuthService }) | undefined } {
  const parsers = authServices.map((service) => ({ service, parser: createAuthParser(service, options) }));
  return {
    parse(line) {
      for (const { service, parser } of parsers) {
        const outcome = parser.parse(line);
        if (outcome) return { ...outcome, service };
      }
      return undefined;
    },
  };
}
