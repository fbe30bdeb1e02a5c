// Policy is data: the profile schema (keys of SPEC §6 plus the lists the catalogue needs).
// Strict objects, so a misspelt key is an error rather than a silently ignored setting.
import { z } from 'zod';
import { authServices } from './events.js';
import type { Signature } from './signatures.js';

const stringList = z.array(z.string());
const positiveInt = z.number().int().positive();

/** A regular expression source; invalid ones are rejected when the profile loads. */
export const regex = z.string().refine(
  (source) => {
    try {
      new RegExp(source);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a valid regular expression' },
);

export const namespaceKinds = ['pid', 'network', 'ipc', 'uts', 'user', 'cgroup'] as const;
export const severities = ['critical', 'high', 'medium', 'low'] as const;

export const profileSchema = z.strictObject({
  /** Image globs (name[:tag]) or digests (sha256:<hex>) that must not run. */
  blockedImages: stringList,
  /** Stop containers of blocked images. vigil is read-only towards the host otherwise. */
  enforce: z.boolean(),
  /** Image glob -> allowed process names (basename of exe). */
  processWhitelist: z.record(z.string(), stringList),
  /** Image glob -> path globs inside the container. */
  protectedFiles: z.record(z.string(), stringList),
  mounts: z.strictObject({
    /** Host path globs that never count as dangerous (the operator's allow-list). */
    allow: stringList,
    /** Host files a container commonly needs (/etc/hosts, /etc/resolv.conf, …): never dangerous. */
    benign: stringList,
    /** Host path globs that are dangerous to mount into a container. */
    dangerous: stringList,
    /** Host path globs of container runtime sockets: mounting one is critical. */
    runtimeSockets: stringList,
  }),
  capabilities: z.strictObject({
    /** The runtime's default set: adding one of these is not a finding. */
    default: stringList,
    /** Capabilities that make the finding critical. */
    highRisk: stringList,
  }),
  namespaces: z.strictObject({
    /** Host namespaces that are findings, with the severity each carries (`off`: not a finding). */
    host: z.partialRecord(z.enum(namespaceKinds), z.enum([...severities, 'off'])),
  }),
  malware: z.strictObject({
    /** File hashes that are malware. */
    sha256: z.array(z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be a sha256 hex digest (64 hex digits)')),
    /** Process names (basename of exe, or comm) of known malicious programs: miners, backdoors. */
    processNames: stringList,
    /** Regular expressions over the joined command line of known malicious behaviour. */
    argvPatterns: z.array(regex),
    /** Signature files (profiles/signatures.yaml format), relative to the profile naming them. */
    signatureFiles: stringList,
  }),
  syscalls: z.strictObject({
    /** Syscalls a container process should never need. */
    highRisk: stringList,
  }),
  /** Command-line patterns (regular expressions over argv joined by spaces) and their severity. */
  highRiskCommands: z.array(z.strictObject({ name: z.string(), pattern: regex, severity: z.enum(severities) })),
  reverseShell: z.strictObject({
    /** Programs that give a remote peer a shell when their stdin/stdout is a socket. */
    shells: stringList,
    /** Command-line forms of a reverse shell (regular expressions). */
    argvPatterns: z.array(regex),
  }),
  /** Host files whose access from a container through a host mount is an escape (path globs). */
  hostKeyFiles: stringList,
  /** The log auditd writes, tailed by the live audit source. */
  auditLogFile: z.string(),
  /** The container runtime's own programs: their namespace and mount set-up is not the container's. */
  runtimeProcesses: stringList,
  files: z.strictObject({
    /** In-container directories whose files are web content: scanned at start and watched. */
    webDirectories: stringList,
    /** More in-container directories to watch, beyond the writable layer and the web directories. */
    watch: stringList,
    /** File name extensions whose content travels in file events (besides web and account files). */
    scanExtensions: stringList,
    /** Files up to this size carry their content (scannable types) or strings (binaries). */
    contentLimitBytes: positiveInt,
    /** Files up to this size are hashed. */
    hashLimitBytes: positiveInt,
    /** Quiet time before a changing file is read, so a burst of writes is one event. */
    debounceMs: z.number().int().nonnegative(),
    /** Files read per second, per host; the rest are counted as skipped. */
    maxFilesPerSecond: positiveInt,
  }),
  webshell: z.strictObject({
    /** Extensions of server-side script files (php, jsp, aspx, …) in web directories. */
    extensions: stringList,
  }),
  ransomware: z.strictObject({
    /** Renames to unknown extensions, or high-entropy rewrites, in one container within the window. */
    burst: z.strictObject({ count: positiveInt, windowSeconds: positiveInt }),
    /** Bits per byte above which a rewritten file counts as encrypted. */
    minEntropy: z.number().min(0).max(8),
    /** Extensions that are ordinary: renaming to one of them is not a sign. */
    knownExtensions: stringList,
    /** Basename globs of ransom notes. */
    noteNames: stringList,
    /** Bait files vigil plants in each container (it writes only when enabled). */
    bait: z.strictObject({ enabled: z.boolean(), paths: stringList }),
  }),
  accounts: z.strictObject({
    /** Shells that do not allow a login: accounts with them are not login-capable. */
    noLoginShells: stringList,
  }),
  logs: z.strictObject({
    /** Follow each running container's stdout/stderr through the Docker API. */
    containers: z.boolean(),
    /** Host log files and the service whose authentication lines they hold. */
    files: z.array(z.strictObject({ path: z.string(), service: z.enum(authServices) })),
    /** Path globs of web login endpoints: a 403 there, or a redirect after a POST, is a login outcome. */
    webLoginPaths: stringList,
  }),
  kubernetes: z.strictObject({
    /** The kube-apiserver audit log to follow; empty: the first of `discoverAuditLogs` that exists. */
    auditLogFile: z.string(),
    /** Where kube-apiserver audit logs usually are (kubeadm, k3s, RKE2, …). */
    discoverAuditLogs: stringList,
    /** Identities that administer the cluster: their enumeration is not a finding. */
    adminUsers: stringList,
    adminGroups: stringList,
    /** Username globs of the cluster's own components (controllers, scheduler): never findings. */
    trustedUsers: stringList,
    /** `namespace/name` globs of system pods whose privileges are expected (CNI, kube-proxy, control plane). */
    trustedPods: stringList,
    /** Namespaces where a new service account or a token for one is a finding. */
    systemNamespaces: stringList,
    /** Roles whose binding grants high privilege, whatever their rules (cluster-admin, …). */
    highPrivilegeRoles: stringList,
    /** Mirror pods the kubelet creates for its static pods: findings unless this is on. */
    allowKubeletMirrorPods: z.boolean(),
    /** Self-reviews or listings by one identity within the window that make a burst (higher severity). */
    enumerationBurst: z.strictObject({ count: positiveInt, windowSeconds: positiveInt }),
  }),
  bruteForce: z.strictObject({
    /** Failures from one source to one service within the window that make an attempt. */
    threshold: positiveInt,
    windowSeconds: positiveInt,
  }),
});

/** The profile as loaded: the file's settings, and the signatures of its signature files. */
export type Profile = z.infer<typeof profileSchema> & { signatures: readonly Signature[] };
