// system.privilege_escalation: a non-root process in a container gains root — by executing a
// SUID-root program (uid≠0, euid=0 after exec), by its credentials turning to root without an
// exec (a kernel exploit), or by making a file SUID/SGID or giving it capabilities.
import type { VigilEvent } from '../events.js';
import type { Finding, RuleContext } from '../rule.js';
import { defineRule, NONE } from '../rule.js';
import { sameArgv } from '../state/processes.js';
import { alertProcess, basename, compileRuntimeCheck, actorOf, processEvidence } from './process-facts.js';
import { argValue, chmodMode, outcome } from './syscall-facts.js';

const S_ISUID = 0o4000;
const S_ISGID = 0o2000;
const setuidCalls = new Set(['setuid', 'setreuid', 'setresuid', 'setfsuid']);
/** i386/arm's 32-bit-uid forms (setuid32 …) count as their base call; evidence keeps the real name. */
const baseUidCall = (syscall: string) => (syscall.endsWith('32') ? syscall.slice(0, -2) : syscall);
const xattrCalls = new Set(['setxattr', 'lsetxattr', 'fsetxattr']);

type Check = (event: VigilEvent, ctx: RuleContext) => Omit<Finding, 'containerId'> | undefined;

const suidExec: Check = (event) => {
  if (event.source !== 'audit' || event.kind !== 'exec' || !event.data.success) return undefined;
  const p = event.data.process;
  if (p.uid === 0 || p.euid !== 0) return undefined;
  return {
    key: `suid-exec\0${p.exe}`,
    summary: `user ${p.uid} executed the SUID-root program ${p.exe}`,
    evidence: { technique: 'suid-exec', exe: p.exe, uid: p.uid, euid: p.euid },
  };
};

/** A process the table knew as non-root that is now root, with no exec in between. */
const credentialsWithoutExec: Check = (event, ctx) => {
  if (event.source !== 'proc' || event.kind !== 'process.snapshot') return undefined;
  const before = ctx.processes.of(event.data)?.previous;
  const now = event.data;
  if (!before || before.euid === 0 || now.euid !== 0) return undefined;
  if (before.exe !== now.exe || !sameArgv(before.cmdline, now.cmdline)) return undefined;
  return {
    key: `creds-without-exec\0${now.exe}`,
    severity: 'critical',
    summary: `${basename(now.exe)} turned from uid ${before.uid}/euid ${before.euid} to root without an exec`,
    evidence: { technique: 'creds-without-exec', before: { uid: before.uid, euid: before.euid }, after: { uid: now.uid, euid: now.euid } },
  };
};

/** setuid-family calls to root that succeed from a process the table knew as non-root. */
const setuidToRoot: Check = (event, ctx) => {
  if (event.source !== 'audit' || event.kind !== 'syscall' || !setuidCalls.has(baseUidCall(event.data.syscall)) || !event.data.success) return undefined;
  const d = event.data;
  const call = baseUidCall(d.syscall);
  const targets = call === 'setresuid' ? [0, 1, 2] : call === 'setreuid' ? [0, 1] : [0];
  if (!targets.some((i) => argValue(d.args, i) === 0)) return undefined;
  // The record shows the credentials after the call; setfsuid "succeeds" even when it changes
  // nothing (it returns the old fsuid), so only a process that is root now counts.
  if (d.process.uid !== 0 && d.process.euid !== 0) return undefined;
  // Syscall events never overwrite a known process, so the table still holds its earlier credentials.
  const before = ctx.processes.of(d.process)?.info;
  if (!before || before.euid === 0 || before.exe !== d.process.exe) return undefined;
  return {
    key: `setuid-root\0${d.process.exe}`,
    severity: 'critical',
    summary: `${basename(d.process.exe)} (uid ${before.uid}, euid ${before.euid}) became root with ${d.syscall}`,
    evidence: { technique: 'setuid-root', syscall: { name: d.syscall, args: d.args, success: d.success, exit: d.exit }, before: { uid: before.uid, euid: before.euid } },
  };
};

const fileMadePrivileged: Check = (event) => {
  if (event.source !== 'audit' || event.kind !== 'syscall' || !event.data.success) return undefined;
  const d = event.data;
  const file = d.paths.find((p) => p.nametype !== 'PARENT')?.name ?? '';
  if (xattrCalls.has(d.syscall)) {
    return {
      key: `file-capabilities\0${file}`,
      severity: 'medium',
      summary: `${basename(d.process.exe)} set extended attributes (file capabilities) on ${file || 'a file'} (${d.syscall}, ${outcome(d.success, d.exit)})`,
      evidence: { technique: 'file-capabilities', file, syscall: { name: d.syscall, args: d.args } },
    };
  }
  const mode = chmodMode(d.syscall, d.args);
  if (Number.isNaN(mode) || (mode & (S_ISUID | S_ISGID)) === 0) return undefined;
  const bits = [mode & S_ISUID && 'SUID', mode & S_ISGID && 'SGID'].filter(Boolean).join('+');
  return {
    key: `suid-file\0${file}`,
    summary: `${basename(d.process.exe)} made ${file || 'a file'} ${bits} (mode ${mode.toString(8).padStart(4, '0')})`,
    evidence: { technique: 'suid-file', file, mode: mode.toString(8).padStart(4, '0'), syscall: { name: d.syscall, args: d.args } },
  };
};

const checks = [suidExec, credentialsWithoutExec, setuidToRoot, fileMadePrivileged];

export default defineRule({
  id: 'system.privilege_escalation',
  category: 'system',
  severity: 'high',
  title: { en: 'Process privilege escalation', zh: '进程提权' },
  mitre: 'T1068',
  consumes: ['audit/exec', 'audit/syscall', 'proc/process.snapshot'],
  create: (profile) => {
    const isRuntime = compileRuntimeCheck(profile.runtimeProcesses);
    return (event, ctx) => {
      const actor = actorOf(event, ctx, isRuntime);
      if (actor === undefined) return NONE;
      const { process, containerId } = actor;
      let findings: Finding[] | undefined;
      for (const check of checks) {
        const found = check(event, ctx);
        if (found) {
          (findings ??= []).push({
            ...found,
            containerId,
            process: alertProcess(process),
            evidence: { ...found.evidence, ...processEvidence(process, ctx) },
          });
        }
      }
      return findings ?? NONE;
    };
  },
});
