// vigil's own version, from the package manifest shipped beside the compiled code.
import { readFileSync } from 'node:fs';

export const vigilVersion: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
