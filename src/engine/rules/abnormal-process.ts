// system.container_abnormal_process: a process starts in a container whose image is bound to a
// process whitelist (profile `processWhitelist`, or entries the operator keeps in the state
// file), and it is not on it.
import { compileImageMatcher } from '../match.js';
import { defineRule, NONE } from '../rule.js';
import { alertProcess, compileRuntimeCheck, executionKinds, executionOf, processEvidence, processName } from './process-facts.js';

export default defineRule({
  id: 'system.container_abnormal_process',
  category: 'system',
  severity: 'high',
  title: { en: 'Container abnormal process', zh: '容器异常进程' },
  mitre: 'T1059',
  consumes: executionKinds,
  create: (profile) => {
    const bindings = Object.entries(profile.processWhitelist).map(([glob, names]) => ({
      glob,
      matches: compileImageMatcher([glob]),
      names: new Set(names),
    }));
    const isRuntime = compileRuntimeCheck(profile.runtimeProcesses);
    return (event, ctx) => {
      const run = executionOf(event, ctx, isRuntime);
      if (!run) return NONE;
      const container = ctx.containers.get(run.containerId)?.snapshot;
      if (!container) return NONE;
      const fromProfile = bindings.filter((b) => b.matches(container) !== undefined);
      const fromState = ctx.whitelist.forImage(container.image);
      if (fromProfile.length === 0 && fromState === undefined) return NONE;
      const name = processName(run.process);
      if (fromProfile.some((b) => b.names.has(name))) return NONE;
      if (fromState?.some((e) => e.enabled && e.process === name)) return NONE;
      return [
        {
          key: name,
          containerId: run.containerId,
          process: alertProcess(run.process),
          summary: `${name} is not on the process whitelist of ${container.image}`,
          evidence: {
            name,
            image: container.image,
            whitelist: {
              profile: fromProfile.map((b) => ({ image: b.glob, processes: [...b.names] })),
              state: (fromState ?? []).map((e) => ({ process: e.process, enabled: e.enabled })),
            },
            via: run.via,
            ...processEvidence(run.process, ctx),
          },
        },
      ];
    };
  },
});
