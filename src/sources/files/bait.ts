// Bait files for ransomware detection, written only when the profile enables them. The
// container's owner controls its filesystem, so every directory on the way is checked to
// stay inside the container's root, and the file is created without following a link.
import { constants } from 'node:fs';
import { mkdir, open, realpath } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import type { HostLocation } from './layers.js';

/** Plausible content: ransomware skips files that look empty or synthetic. */
const BAIT_TEXT = 'Account,Owner,Balance\n1029-3387,Finance,48210.00\n1029-4410,Payroll,129004.17\n';

/** Creates the bait file if it is absent; false when it cannot be placed safely. */
export async function plantBait(at: HostLocation): Promise<boolean> {
  const dir = dirname(at.path);
  try {
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const real = await realpath(dir);
    const rel = relative(at.root, real);
    if (rel.startsWith('..') || rel.startsWith(sep)) return false; // a link led out of the container
    const handle = await open(at.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    await handle.writeFile(BAIT_TEXT);
    await handle.close();
    return true;
  } catch {
    return false; // already there (EEXIST), or not placeable
  }
}
