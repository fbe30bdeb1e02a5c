// Bad usage and unreadable input end with one line on stderr and exit code 2 (SPEC §6).
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

export const EXIT_USAGE = 2;

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, with its errors turned into short usage errors. */
export function parseCommandArgs<O extends Options>(args: string[], options: O, positionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: positionals > 0 });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const first = message.split(/\.(\s|$)/, 1)[0]!;
    throw new UsageError(`${first.charAt(0).toLowerCase()}${first.slice(1)} (see vigil --help)`);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals])} (see vigil --help)`);
  }
  return parsed;
}

/** A positive number of seconds, or a usage error naming the option. */
export function parseSeconds(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`${option} must be a positive number of seconds, got ${JSON.stringify(value)}`);
  return seconds;
}
