// system.container_malicious_program: a process started in a container matches a malicious
// program's fingerprint: its executable's hash, a known miner/backdoor name, or mining argv.
import { defineRule, NONE } from '../rule.js';
import { alertProcess, compileRuntimeCheck, executionKinds, executionOf, processEvidence, processName } from './process-facts.js';

export default defineRule({
  id: 'system.container_malicious_program',
  category: 'system',
  severity: 'critical',
  title: { en: 'Container malicious program', zh: '容器恶意程序' },
  mitre: 'T1496',
  consumes: executionKinds,
  create: (profile) => {
    const hashes = new Set(profile.malware.sha256.map((h) => h.toLowerCase()));
    const names = new Set(profile.malware.processNames);
    const argv = profile.malware.argvPatterns.map((p) => ({ source: p, regex: new RegExp(p, 'i') }));
    const isRuntime = compileRuntimeCheck(profile.runtimeProcesses);
    return (event, ctx) => {
      const run = executionOf(event, ctx, isRuntime);
      if (!run) return NONE;
      const sha256 = event.source === 'audit' && event.kind === 'exec' ? event.data.exeSha256 : undefined;
      const name = processName(run.process);
      const { command } = run;
      const matched =
        sha256 !== undefined && hashes.has(sha256)
          ? { fingerprint: 'sha256', value: sha256 }
          : names.has(name)
            ? { fingerprint: 'process name', value: name }
            : argv
                .filter((p) => p.regex.test(command))
                .map((p) => ({ fingerprint: 'command line', value: p.source }))[0];
      if (!matched) return NONE;
      return [
        {
          key: `${matched.fingerprint}\0${matched.value}\0${run.process.exe}`,
          containerId: run.containerId,
          process: alertProcess(run.process),
          summary: `${name} matches a malicious program by ${matched.fingerprint} (${matched.value})`,
          evidence: { ...matched, ...(sha256 !== undefined && { sha256 }), command, via: run.via, ...processEvidence(run.process, ctx) },
        },
      ];
    };
  },
});
