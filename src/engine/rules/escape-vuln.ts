// exploit.escape_vuln: a container process behaves like a known container-escape exploit.
// Each technique is recognised from the audited syscall and the paths it names.
import type { VigilEvent } from '../events.js';
import { defineRule, NONE, type Finding, type RuleContext } from '../rule.js';
import { alertProcess, basename, compileRuntimeCheck, actorOf, processEvidence } from './process-facts.js';
import { namedPaths, openSyscalls, opensForWrite, outcome } from './syscall-facts.js';

type SyscallData = Extract<VigilEvent, { kind: 'syscall' }>['data'];

interface Technique {
  name: string;
  describe: string;
}

const blockDevice = /^\/dev\/(sd[a-z]+|vd[a-z]+|xvd[a-z]+|hd[a-z]+|nvme\d+n\d+|mmcblk\d+|dm-\d+|mapper\/|md\d+|loop\d+)/;
const procExe = /^\/proc\/(self|thread-self|\d+)(\/task\/\d+)?\/exe$/;
const procMem = /^\/proc\/(self|thread-self|\d+)(\/task\/\d+)?\/mem$/;
const releaseAgent = /\/release_agent$/;
const corePattern = /^\/proc\/sys\/kernel\/core_pattern$/;

/** The exploit technique a syscall matches, if any. */
function techniqueOf(d: SyscallData): Technique | undefined {
  if (d.syscall === 'open_by_handle_at') return { name: 'shocker', describe: 'opened a file by handle (open_by_handle_at), the "shocker" host-file read' };
  if (d.syscall === 'init_module' || d.syscall === 'finit_module') return { name: 'kernel-module', describe: `loaded a kernel module (${d.syscall})` };
  const paths = namedPaths(d);
  if (openSyscalls.has(d.syscall) && opensForWrite(d.syscall, d.args)) {
    for (const path of paths) {
      if (procExe.test(path)) return { name: 'runc-overwrite', describe: `opened ${path} for writing, the runc CVE-2019-5736 overwrite of the host runtime` };
      if (procMem.test(path)) return { name: 'proc-mem-write', describe: `opened ${path} for writing, the "dirty cow" memory write` };
      if (releaseAgent.test(path)) return { name: 'release-agent', describe: `opened cgroup ${path} for writing, the release_agent escape` };
      if (corePattern.test(path)) return { name: 'core-pattern', describe: `opened ${path} for writing, the core_pattern escape` };
    }
  }
  if (d.syscall === 'mount') {
    const device = paths.find((p) => blockDevice.test(p));
    if (device) return { name: 'block-device-mount', describe: `mounted the host block device ${device}` };
  }
  return undefined;
}

/** Where container runtimes keep container filesystems on the host. */
const containerStorage = /^\/(var\/lib\/(docker|containerd|containers)|run\/containerd)\//;

/**
 * The host's core_pattern turned into a pipe to a program inside a container's filesystem: the
 * next crash anywhere on the host runs that program as root, outside the container. Found so at
 * start too: no handler belongs there. One on the host's own paths (systemd-coredump, apport)
 * is an administrator's choice, not this.
 */
function corePatternEscape(d: Extract<VigilEvent, { kind: 'host.setting' }>['data'], ctx: RuleContext): readonly Finding[] {
  if (!d.value.startsWith('|')) return NONE;
  const handler = d.value.slice(1).trim().split(/\s+/)[0] ?? '';
  const containerId = ctx.containers.withHostPath(handler);
  if (containerId === undefined && !containerStorage.test(handler)) return NONE;
  return [
    {
      key: `core-pattern\0${handler}`,
      ...(containerId !== undefined && { containerId }),
      summary: `the host's core_pattern now pipes every crash to ${handler}, inside a container's filesystem: the core_pattern escape`,
      evidence: { technique: 'core-pattern', setting: d.name, value: d.value, handler },
    },
  ];
}

export default defineRule({
  id: 'exploit.escape_vuln',
  category: 'exploit',
  severity: 'critical',
  title: { en: 'Vulnerability escape attack', zh: '漏洞逃逸攻击' },
  mitre: 'T1611',
  consumes: ['audit/syscall', 'proc/host.setting'],
  create: (profile) => {
    const isRuntime = compileRuntimeCheck(profile.runtimeProcesses);
    return (event, ctx) => {
      if (event.source === 'proc') return corePatternEscape(event.data, ctx);
      const d = event.data;
      const technique = techniqueOf(d);
      if (!technique) return NONE;
      const containerId = actorOf(event, ctx, isRuntime)?.containerId;
      if (containerId === undefined) return NONE;
      return [
        {
          key: `${technique.name}\0${d.process.exe}`,
          containerId,
          process: alertProcess(d.process),
          summary: `${basename(d.process.exe) || d.process.comm} ${technique.describe} (${outcome(d.success, d.exit)})`,
          evidence: {
            technique: technique.name,
            syscall: { name: d.syscall, success: d.success, exit: d.exit, args: d.args, paths: namedPaths(d) },
            ...processEvidence(d.process, ctx),
          },
        },
      ];
    };
  },
});
