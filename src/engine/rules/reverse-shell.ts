// system.reverse_shell: a shell or interpreter in a container whose stdin or stdout is a
// network socket (TCP, UDP, or raw/ICMP tunnels), or one launched in a known reverse-shell form.
import type { SocketInfo } from '../events.js';
import { compileUnion } from '../match.js';
import { defineRule, NONE, type Finding } from '../rule.js';
import { alertProcess, compileRuntimeCheck, actorOf, executionKinds, executionOf, processEvidence, processName } from './process-facts.js';

/**
 * A socket a shell's stdio may carry a session over: one connected to a peer (not a listener),
 * or any raw socket, connected or not, as ICMP tunnels use them (no service hands a shell one).
 */
function carriesSession(s: SocketInfo): boolean {
  if (s.protocol === 'raw' || s.protocol === 'raw6') return true;
  return s.state !== 'LISTEN' && !unspecified(s.remote);
}

function unspecified(remote: string): boolean {
  return /^(0\.0\.0\.0|\[::\]):0$/.test(remote);
}

function socketTo(s: SocketInfo): string {
  return unspecified(s.remote) ? `an unconnected ${s.protocol} socket` : `a ${s.protocol} socket to ${s.remote}`;
}

export default defineRule({
  id: 'system.reverse_shell',
  category: 'system',
  severity: 'critical',
  title: { en: 'Reverse shell', zh: '反弹Shell' },
  mitre: 'T1059',
  consumes: executionKinds,
  create: (profile) => {
    const shells = new Set(profile.reverseShell.shells);
    const forms = profile.reverseShell.argvPatterns.map((p) => ({ source: p, regex: new RegExp(p) }));
    const anyForm = compileUnion(profile.reverseShell.argvPatterns);
    const isRuntime = compileRuntimeCheck(profile.runtimeProcesses);
    return (event, ctx) => {
      const findings: Finding[] = [];
      const run = executionOf(event, ctx, isRuntime);
      if (run) {
        const { command } = run;
        const form = anyForm(command) ? forms.find((f) => f.regex.test(command)) : undefined;
        if (form) {
          findings.push({
            key: `argv\0${command}`,
            severity: 'high' as const,
            containerId: run.containerId,
            process: alertProcess(run.process),
            summary: `reverse-shell command line: ${command}`,
            evidence: { technique: 'command-line', form: form.source, command, via: run.via, ...processEvidence(run.process, ctx) },
          });
        }
      }
      if (event.source === 'proc' && event.kind === 'process.snapshot') {
        const p = event.data;
        const name = processName(p);
        const stdio = shells.has(name) ? p.sockets.filter((s) => s.fd <= 2 && carriesSession(s)) : [];
        const containerId = stdio.length > 0 ? actorOf(event, ctx, isRuntime)?.containerId : undefined;
        if (containerId !== undefined) {
          const peer = stdio[0]!;
          findings.push({
            key: `stdio\0${p.exe}\0${peer.remote}`,
            containerId,
            process: alertProcess(p),
            summary: `${name} has its ${stdio.map((s) => ['stdin', 'stdout', 'stderr'][s.fd]).join('/')} on ${socketTo(peer)}`,
            evidence: { technique: 'stdio-socket', sockets: stdio, ...processEvidence(p, ctx) },
          });
        }
      }
      return findings.length > 0 ? findings : NONE;
    };
  },
});
