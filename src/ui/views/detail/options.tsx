// Options tab: the container's isolation settings, with what weakens it highlighted the way the
// security-options and namespace rules judge it.
import type { ContainerSnapshot, NamespaceKind } from '../../../engine/events.js';
import { namespaceKinds, type Profile } from '../../../engine/profile.js';
import { normaliseCapability } from '../../../engine/rules/container-security-options.js';
import type { AlertContext } from '../../model/alert-context.js';
import { commandLine, noContainerReason } from './format.js';
import type { Line } from './lines.js';

type Style = Omit<Line, 'text'>;
const danger: Style = { color: 'red', bold: true };
const warn: Style = { color: 'yellow' };

function row(label: string, value: string, style: Style = {}): Line {
  return { text: `${label.padEnd(22)}${value}`, ...style };
}

/** `[key, value]` pairs: Docker accepts both `key=value` and the legacy `key:value`, and repeats `label`. */
function securityOptions(c: ContainerSnapshot): [string, string][] {
  return c.securityOpt.map((opt) => {
    const i = opt.search(/[=:]/);
    return i < 0 ? [opt, ''] : [opt.slice(0, i), opt.slice(i + 1)];
  });
}

function capabilityLines(c: ContainerSnapshot, profile: Profile): Line[] {
  const defaults = new Set(profile.capabilities.default.map(normaliseCapability));
  const highRisk = new Set(profile.capabilities.highRisk.map(normaliseCapability));
  const added = [...new Set(c.capAdd.map(normaliseCapability))];
  const risky = added.filter((cap) => highRisk.has(cap));
  const beyond = added.some((cap) => !defaults.has(cap));
  const value = added.length === 0 ? 'none' : `${added.join(', ')}${risky.length > 0 ? `  (high risk: ${risky.join(', ')})` : ''}`;
  return [
    row('capabilities added', value, risky.length > 0 ? danger : beyond ? warn : {}),
    row('capabilities dropped', c.capDrop.join(', ') || 'none'),
  ];
}

/** A confinement profile option (seccomp, apparmor): absent means the runtime's default. */
function profileRow(label: string, value: string | undefined): Line {
  if (value === undefined) return row(label, 'default profile');
  if (value.toLowerCase() === 'unconfined') return row(label, 'unconfined', danger);
  // Docker stores a custom seccomp profile's whole JSON in the option.
  return row(label, value.startsWith('{') ? 'custom profile' : value);
}

function securityLines(c: ContainerSnapshot): Line[] {
  const opts = securityOptions(c);
  const get = (key: string) => opts.find(([k]) => k === key)?.[1];
  const nnp = get('no-new-privileges');
  const others = opts.filter(([key]) => !['seccomp', 'apparmor', 'no-new-privileges'].includes(key));
  return [
    profileRow('seccomp', get('seccomp')),
    profileRow('AppArmor', get('apparmor')),
    nnp === undefined
      ? row('no-new-privileges', 'no (Docker default: SUID programs can raise privileges)')
      : nnp === 'false'
        ? row('no-new-privileges', 'no (explicitly)', warn)
        : row('no-new-privileges', 'yes'),
    ...others.map(([key, value]) =>
      row('security option', value ? `${key}=${value}` : key, value.toLowerCase() === 'unconfined' ? danger : {}),
    ),
  ];
}

/** Why sharing a host namespace is not a finding here, as the namespace rule reasons. */
function hostDefault(kind: NamespaceKind, c: ContainerSnapshot, profile: Profile): string | undefined {
  const weight = profile.namespaces.host[kind];
  if (!weight || weight === 'off') return 'allowed by the profile';
  if (kind === 'cgroup' && c.cgroupVersion !== '2') return 'as every container on cgroup v1';
  if (kind === 'user' && !c.usernsRemap) return 'as every container without userns-remap';
  return undefined;
}

function namespaceLines(c: ContainerSnapshot, profile: Profile): Line[] {
  return namespaceKinds.map((kind) => {
    const mode = c.namespaces[kind];
    const label = `${kind} namespace`;
    if (mode !== 'host') return row(label, mode);
    const excuse = hostDefault(kind, c, profile);
    return excuse ? row(label, `host (${excuse})`) : row(label, 'host  ← shared with the host', danger);
  });
}

function userRow(user: string): Line {
  if (user === '') return row('user', 'root (the image sets no user)', danger);
  return /^(0|root)(:|$)/.test(user) ? row('user', `${user} (root)`, danger) : row('user', user);
}

function stateText(c: ContainerSnapshot): string {
  const { status, running, pid, startedAt, finishedAt, exitCode } = c.state;
  return running ? `${status}, pid ${pid}, since ${startedAt}` : `${status}, exit code ${exitCode}, at ${finishedAt}`;
}

export function optionLines(context: AlertContext, { profile }: { profile: Profile }): Line[] {
  const c = context.container;
  if (!c) return [{ text: noContainerReason(context), dim: true }];
  const labels = Object.entries(c.labels);
  return [
    { text: 'Isolation', bold: true },
    row('privileged', c.privileged ? 'yes' : 'no', c.privileged ? danger : {}),
    ...capabilityLines(c, profile),
    ...securityLines(c),
    ...namespaceLines(c, profile),
    userRow(c.user),
    row('read-only rootfs', c.readonlyRootfs ? 'yes' : 'no'),
    { text: '' },
    { text: 'Container', bold: true },
    row('image', c.image),
    row('image id', c.imageId),
    ...c.imageDigests.map((digest) => row('image digest', digest)),
    row('runtime', c.runtime || 'default'),
    row('created', c.created),
    row('state', stateText(c)),
    row('command', commandLine(c.cmd)),
    { text: '' },
    // Names only: values are redacted at the source, and even kept ones stay off the screen.
    { text: `Environment (${c.env.length})`, bold: true },
    ...c.env.map((entry) => ({ text: `  ${entry.split('=', 1)[0]}` })),
    { text: '' },
    { text: `Labels (${labels.length})`, bold: true },
    ...labels.map(([key, value]) => ({ text: `  ${key}=${value}` })),
  ];
}
