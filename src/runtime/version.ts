// vigil's own version, from the package manifest shipped beside the compiled code.
import { readFileSync } from 'node:fs';
import { packageFile } from './package-files.js';

export const vigilVersion: string = (
  JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }
).version;
