// Files shipped in the package (the manifest, the profiles), found from the package root. The
// compiled code (dist/runtime/), the bundle (dist/bundle/) and the sources under test
// (src/runtime/) all sit two levels below it, so one relative path serves all three.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

export function packageFile(...parts: string[]): string {
  return join(packageRoot, ...parts);
}
