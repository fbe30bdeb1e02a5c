// Docker inspect JSON -> the runtime-neutral container snapshot the engine reads.
// Environment values are secrets more often than not: redacted unless the operator opts in.
import type { ContainerInspectInfo, DeviceMapping } from 'dockerode';
import type { ContainerSnapshot } from '../../engine/events.js';

export interface SnapshotOptions {
  /** The daemon's cgroup version (`docker info` CgroupVersion). */
  cgroupVersion: string;
  /** Whether the daemon runs with userns-remap (`name=userns` in SecurityOptions). */
  usernsRemap: boolean;
  /** RepoDigests of the container's image (`name@sha256:…`). */
  imageDigests: readonly string[];
  /** Keep environment values (otherwise only the names are kept). */
  keepEnvValues: boolean;
}

export const REDACTED = '<redacted>';

export function redactEnv(env: readonly string[]): string[] {
  return env.map((entry) => {
    const eq = entry.indexOf('=');
    return eq < 0 ? entry : `${entry.slice(0, eq)}=${REDACTED}`;
  });
}

/** Docker reports an unset mode as "" (private, or the daemon default); name it. */
function mode(value: string | undefined, unset: string): string {
  return value && value.length > 0 ? value : unset;
}

export function snapshotFromInspect(inspect: ContainerInspectInfo, options: SnapshotOptions): ContainerSnapshot {
  const host = inspect.HostConfig ?? {};
  const config = inspect.Config ?? ({} as ContainerInspectInfo['Config']);
  const state = inspect.State ?? ({} as ContainerInspectInfo['State']);
  const env = config.Env ?? [];
  // Fields newer than @types/dockerode knows.
  const extra = host as { CgroupnsMode?: string; UTSMode?: string; UsernsMode?: string };
  return {
    id: inspect.Id,
    name: (inspect.Name ?? '').replace(/^\//, ''),
    image: config.Image ?? '',
    imageId: inspect.Image ?? '',
    imageDigests: [...options.imageDigests],
    created: inspect.Created ?? '',
    runtime: (host as { Runtime?: string }).Runtime ?? '',
    cgroupVersion: options.cgroupVersion,
    usernsRemap: options.usernsRemap,
    state: {
      status: state.Status ?? '',
      running: state.Running === true,
      pid: state.Pid ?? 0,
      startedAt: state.StartedAt ?? '',
      finishedAt: state.FinishedAt ?? '',
      exitCode: state.ExitCode ?? 0,
    },
    privileged: host.Privileged === true,
    capAdd: host.CapAdd ?? [],
    capDrop: host.CapDrop ?? [],
    securityOpt: host.SecurityOpt ?? [],
    namespaces: {
      pid: mode(host.PidMode, 'private'),
      network: mode(host.NetworkMode, 'default'),
      ipc: mode(host.IpcMode, 'private'),
      uts: mode(extra.UTSMode, 'private'),
      user: mode(extra.UsernsMode, 'default'),
      cgroup: mode(extra.CgroupnsMode, 'default'),
    },
    user: config.User ?? '',
    readonlyRootfs: host.ReadonlyRootfs === true,
    mounts: (inspect.Mounts ?? []).map((m) => ({
      type: m.Type ?? '',
      source: m.Source ?? '',
      destination: m.Destination ?? '',
      rw: m.RW === true,
      propagation: m.Propagation ?? '',
    })),
    devices: ((host.Devices ?? []) as Partial<DeviceMapping>[]).map((d) => ({
      host: d.PathOnHost ?? '',
      container: d.PathInContainer ?? '',
      permissions: d.CgroupPermissions ?? '',
    })),
    env: options.keepEnvValues ? [...env] : redactEnv(env),
    labels: { ...(config.Labels ?? {}) },
    cmd: [inspect.Path ?? '', ...(inspect.Args ?? [])].filter((a, i) => i > 0 || a !== ''),
    graphDriver: { name: inspect.GraphDriver?.Name ?? '', data: { ...(inspect.GraphDriver?.Data ?? {}) } },
  };
}
