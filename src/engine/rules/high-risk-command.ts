// system.high_risk_command: a container process executes a command matching the profile's
// high-risk patterns (download-and-execute, decoded payloads into a shell, nsenter, …).
import { compileUnion } from '../match.js';
import { defineRule, NONE } from '../rule.js';
import { alertProcess, compileRuntimeCheck, executionKinds, executionOf, processEvidence } from './process-facts.js';

export default defineRule({
  id: 'system.high_risk_command',
  category: 'system',
  severity: 'high',
  title: { en: 'High-risk command execution', zh: '高危命令执行' },
  mitre: 'T1059',
  consumes: executionKinds,
  create: (profile) => {
    const patterns = profile.highRiskCommands.map((c) => ({ ...c, regex: new RegExp(c.pattern) }));
    const anyPattern = compileUnion(patterns.map((p) => p.pattern));
    const isRuntime = compileRuntimeCheck(profile.runtimeProcesses);
    return (event, ctx) => {
      const run = executionOf(event, ctx, isRuntime);
      if (!run) return NONE;
      const { command } = run;
      if (!anyPattern(command)) return NONE;
      const hits = patterns.filter((p) => p.regex.test(command));
      return hits.map((hit) => ({
        key: `${hit.name}\0${command}`,
        severity: hit.severity,
        containerId: run.containerId,
        process: alertProcess(run.process),
        summary: `${hit.name}: ${command}`,
        evidence: { pattern: hit.name, regex: hit.pattern, command, via: run.via, ...processEvidence(run.process, ctx) },
      }));
    };
  },
});
