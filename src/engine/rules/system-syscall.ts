// system.syscall: a container process calls a syscall on the profile's high-risk list. The
// runtime's own calls while it sets a container up (runc joining namespaces) are not alerted.
import { defineRule, NONE } from '../rule.js';
import { alertProcess, basename, compileRuntimeCheck, actorOf, processEvidence } from './process-facts.js';
import { outcome } from './syscall-facts.js';

export default defineRule({
  id: 'system.syscall',
  category: 'system',
  severity: 'high',
  title: { en: 'High-risk system call', zh: '高危系统调用' },
  mitre: 'T1611',
  consumes: ['audit/syscall'],
  create: (profile) => {
    const risky = new Set(profile.syscalls.highRisk);
    const isRuntime = compileRuntimeCheck(profile.runtimeProcesses);
    return (event, ctx) => {
      const d = event.data;
      if (!risky.has(d.syscall)) return NONE;
      const containerId = actorOf(event, ctx, isRuntime)?.containerId;
      if (containerId === undefined) return NONE;
      return [
        {
          key: `${d.syscall}\0${d.process.exe}`,
          containerId,
          process: alertProcess(d.process),
          summary: `${basename(d.process.exe) || d.process.comm} called ${d.syscall} (${outcome(d.success, d.exit)})`,
          evidence: {
            syscall: { name: d.syscall, success: d.success, exit: d.exit, args: d.args, key: d.key },
            ...processEvidence(d.process, ctx),
          },
        },
      ];
    };
  },
});
