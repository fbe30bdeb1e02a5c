// The rule catalogue. A new rule is one file plus one line here.
import type { AnyRule } from '../rule.js';
import containerMounts from './container-mounts.js';
import containerNamespaces from './container-namespaces.js';
import containerSecurityOptions from './container-security-options.js';
import imageBlocked from './image-blocked.js';
import abnormalProcess from './abnormal-process.js';
import escapeFile from './escape-file.js';
import escapeVuln from './escape-vuln.js';
import highRiskCommand from './high-risk-command.js';
import maliciousProgram from './malicious-program.js';
import privilegeEscalation from './privilege-escalation.js';
import reverseShell from './reverse-shell.js';
import systemSyscall from './system-syscall.js';
import bruteForce from './brute-force.js';
import illegalAccount from './illegal-account.js';
import ransomware from './ransomware.js';
import sensitiveFile from './sensitive-file.js';
import unclassifiedMalware from './unclassified-malware.js';
import webshell from './webshell.js';
import eventDeletion from './event-deletion.js';
import podAnomaly from './pod-anomaly.js';
import roleBinding from './role-binding.js';
import userEnumeration from './user-enumeration.js';
import { auditLost, enforcement, eventsDropped, sourceDown } from './vigil-health.js';

export const catalogue: readonly AnyRule[] = [
  containerSecurityOptions,
  containerMounts,
  containerNamespaces,
  imageBlocked,
  systemSyscall,
  escapeVuln,
  escapeFile,
  highRiskCommand,
  privilegeEscalation,
  reverseShell,
  abnormalProcess,
  maliciousProgram,
  unclassifiedMalware,
  webshell,
  ransomware,
  sensitiveFile,
  illegalAccount,
  bruteForce,
  podAnomaly,
  userEnumeration,
  roleBinding,
  eventDeletion,
  sourceDown,
  enforcement,
  auditLost,
  eventsDropped,
];
