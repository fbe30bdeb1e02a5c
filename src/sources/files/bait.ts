// Bait files for ransomware detection, written only when the profile enables them. The
// container's owner controls its filesystem, so the file and the directories made for it are
// created one name at a time inside the container's root, never through a link (contained-path).
import { createInside } from './contained-path.js';
import type { HostLocation } from './layers.js';

/** Plausible content: ransomware skips files that look empty or synthetic. */
const BAIT_TEXT = 'Account,Owner,Balance\n1029-3387,Finance,48210.00\n1029-4410,Payroll,129004.17\n';

/** Creates the bait file if it is absent; false when it is there already or cannot be placed safely. */
export async function plantBait(at: HostLocation): Promise<boolean> {
  const created = await createInside(at.root, at.path, 0o644);
  if (!created.ok) return false;
  try {
    await created.handle.writeFile(BAIT_TEXT);
    return true;
  } catch {
    return false;
  } finally {
    await created.handle.close();
  }
}
