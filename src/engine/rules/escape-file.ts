// exploit.escape_file: a container process touches a key host file through a mount of the host
// filesystem, even one configured on purpose. The in-container path is resolved through the
// container's mount map; audit's watches on those host files catch the inode whatever the path.
import picomatch from 'picomatch';
import type { ContainerSnapshot } from '../events.js';
import { compilePathGlobs } from '../match.js';
import { defineRule, NONE } from '../rule.js';
import { bindMounts, hostPathOf, normalisePath } from '../state/mounts.js';
import { actorOf, alertProcess, containerIdOf, basename, compileRuntimeCheck, processEvidence } from './process-facts.js';
import { namedPaths, outcome } from './syscall-facts.js';

/** The key of vigil's audit watches on host key files (profiles/audit.rules). */
export const HOST_FILE_WATCH_KEY = 'vigil_hostfile';

export default defineRule({
  id: 'exploit.escape_file',
  category: 'exploit',
  severity: 'critical',
  title: { en: 'File escape attack', zh: '文件逃逸攻击' },
  mitre: 'T1611',
  consumes: ['audit/syscall', 'audit/exec'],
  create: (profile) => {
    const keyFile = compilePathGlobs(profile.hostKeyFiles);
    const isRuntime = compileRuntimeCheck(profile.runtimeProcesses);
    const reachesKeyFile = compileMountReach(profile.hostKeyFiles);
    return (event, ctx) => {
      const d = event.data;
      if (d.paths.length === 0) return NONE;
      // Nearly every event: no watch hit, and no bind mount that could lead to a key file.
      if (d.key !== HOST_FILE_WATCH_KEY) {
        const id = containerIdOf(d.process, ctx);
        const mounted = id === undefined ? undefined : ctx.containers.get(id)?.snapshot;
        if (mounted === undefined || !reachesKeyFile(mounted)) return NONE;
      }
      const containerId = actorOf(event, ctx, isRuntime)?.containerId;
      if (containerId === undefined) return NONE;
      const container = ctx.containers.get(containerId)?.snapshot;
      for (const inContainer of namedPaths(d)) {
        const resolved = container && hostPathOf(container, inContainer);
        const hostPath = resolved?.hostPath;
        const matched = hostPath !== undefined ? keyFile(hostPath) : undefined;
        // A watch hit is the host file's own inode, whichever path reached it.
        if (!matched && d.key !== HOST_FILE_WATCH_KEY) continue;
        const syscall = event.kind === 'syscall' ? event.data.syscall : 'execve';
        return [
          {
            key: `${hostPath ?? inContainer}\0${d.process.exe}`,
            containerId,
            process: alertProcess(d.process),
            summary: `${basename(d.process.exe) || d.process.comm} accessed host file ${hostPath ?? inContainer} as ${inContainer} (${syscall}, ${outcome(d.success, d.exit)})`,
            evidence: {
              path: inContainer,
              hostPath: hostPath ?? null,
              ...(resolved && { mount: { source: resolved.mount.source, destination: resolved.mount.destination, rw: resolved.mount.rw } }),
              matchedBy: matched ?? 'audit watch on the host file',
              syscall: { name: syscall, success: d.success, exit: d.exit },
              ...processEvidence(d.process, ctx),
            },
          },
        ];
      }
      return NONE;
    };
  },
});

/**
 * Whether any bind mount of a container could lead to a host key file: its source and the
 * static part of a key-file glob lie on one path (one contains the other). Answered once per
 * container snapshot.
 */
function compileMountReach(hostKeyFiles: readonly string[]): (container: ContainerSnapshot) => boolean {
  const bases = hostKeyFiles.map((glob) => normalisePath(picomatch.scan(glob).base || '/'));
  const onOnePath = (a: string, b: string) => a === '/' || b === '/' || a === b || b.startsWith(`${a}/`) || a.startsWith(`${b}/`);
  const answers = new WeakMap<ContainerSnapshot, boolean>();
  return (container) => {
    let reaches = answers.get(container);
    if (reaches === undefined) {
      reaches = bindMounts(container).some((m) => bases.some((base) => onOnePath(normalisePath(m.source), base)));
      answers.set(container, reaches);
    }
    return reaches;
  };
}
