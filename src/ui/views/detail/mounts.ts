// Mounts tab: the container's mount map and devices, the dangerous mounts marked with the
// reason the mount rule would give.
import type { Profile } from '../../../engine/profile.js';
import { compileMountClassifier } from '../../../engine/rules/container-mounts.js';
import type { AlertContext } from '../../model/alert-context.js';
import { noContainerReason } from './format.js';
import type { Line } from './lines.js';

export function mountLines(context: AlertContext, { profile }: { profile: Profile }): Line[] {
  if (!context.container) return [{ text: noContainerReason(context), dim: true }];
  const { mounts, devices } = context.container;
  const classify = compileMountClassifier(profile);
  const marked = mounts.map((m) => ({ mount: m, danger: classify(m) }));
  const count = marked.filter((m) => m.danger).length;
  const lines: Line[] = [{ text: `Mounts (${mounts.length}${count > 0 ? `, ${count} dangerous` : ''})`, bold: true }];
  if (mounts.length === 0) lines.push({ text: '  none', dim: true });
  for (const { mount, danger } of marked) {
    const propagation = mount.propagation ? `  ${mount.propagation}` : '';
    const text = `${mount.source || '(none)'} → ${mount.destination}  ${mount.type}  ${mount.rw ? 'rw' : 'ro'}${propagation}`;
    if (!danger) lines.push({ text: `  ${text}` });
    else lines.push({ text: `! ${text}`, color: 'red', bold: true }, { text: `    ${danger.reason}`, color: 'red' });
  }
  if (devices.length > 0) {
    lines.push({ text: '' }, { text: `Devices (${devices.length})`, bold: true });
    // A host device in a container bypasses the filesystem isolation: always worth a look.
    for (const d of devices) lines.push({ text: `  ${d.host} → ${d.container}  ${d.permissions}`, color: 'yellow' });
  }
  return lines;
}
