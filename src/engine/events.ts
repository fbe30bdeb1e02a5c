// The event model: every fact a rule needs travels inside an event, so the engine is a pure
// function of the stream. Schemas are the single source of truth: the TypeScript union is
// inferred from them, and recordings are validated against them when read back.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { z } from 'zod';
import { terminalSafe } from '../text/terminal-safe.js';

const nonNegInt = z.number().int().nonnegative();

/** One mount of a container, as the runtime reports it. `source` is the host path for binds. */
export const mountSchema = z.object({
  type: z.string(),
  source: z.string(),
  destination: z.string(),
  rw: z.boolean(),
  propagation: z.string(),
});
export type Mount = z.infer<typeof mountSchema>;

export const namespaceModesSchema = z.object({
  pid: z.string(),
  network: z.string(),
  ipc: z.string(),
  uts: z.string(),
  user: z.string(),
  cgroup: z.string(),
});
export type NamespaceKind = keyof z.infer<typeof namespaceModesSchema>;

/**
 * A container as inspected at one instant, normalised away from any one runtime's API.
 * Environment values are redacted at the source unless the operator opts in, so secrets
 * never reach the engine, the alerts or a recording.
 */
export const containerSnapshotSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  image: z.string(),
  imageId: z.string(),
  imageDigests: z.array(z.string()),
  created: z.string(),
  runtime: z.string(),
  /** The host's cgroup version: on v1, sharing the host cgroup namespace is every container's default. */
  cgroupVersion: z.string(),
  /** Whether the daemon remaps user namespaces: without it, every container shares the host's. */
  usernsRemap: z.boolean(),
  state: z.object({
    status: z.string(),
    running: z.boolean(),
    pid: nonNegInt,
    startedAt: z.string(),
    finishedAt: z.string(),
    exitCode: z.number().int(),
  }),
  privileged: z.boolean(),
  capAdd: z.array(z.string()),
  capDrop: z.array(z.string()),
  securityOpt: z.array(z.string()),
  namespaces: namespaceModesSchema,
  user: z.string(),
  readonlyRootfs: z.boolean(),
  mounts: z.array(mountSchema),
  devices: z.array(z.object({ host: z.string(), container: z.string(), permissions: z.string() })),
  env: z.array(z.string()),
  labels: z.record(z.string(), z.string()),
  cmd: z.array(z.string()),
  graphDriver: z.object({ name: z.string(), data: z.record(z.string(), z.string()) }),
});
export type ContainerSnapshot = z.infer<typeof containerSnapshotSchema>;

export const lifecycleActions = ['create', 'start', 'die', 'destroy', 'rename'] as const;
export type LifecycleAction = (typeof lifecycleActions)[number];

/** A process as seen by /proc or audit. `startTime` (clock ticks since boot) makes pid reuse harmless. */
export const processInfoSchema = z.object({
  pid: nonNegInt,
  ppid: nonNegInt,
  startTime: nonNegInt,
  exe: z.string(),
  cmdline: z.array(z.string()),
  uid: nonNegInt,
  euid: nonNegInt,
  containerId: z.string().optional(),
});
export type ProcessInfo = z.infer<typeof processInfoSchema>;

/** An open network socket of a process: what reverse-shell detection reads (fd 0/1/2 on one). */
export const socketSchema = z.object({
  fd: nonNegInt,
  protocol: z.enum(['tcp', 'tcp6', 'udp', 'udp6', 'raw', 'raw6']),
  /** `address:port`, IPv6 in brackets; for raw sockets the port is the IP protocol (1: ICMP). */
  local: z.string(),
  remote: z.string(),
  state: z.string(),
});
export type SocketInfo = z.infer<typeof socketSchema>;

/** The process behind an audit event, with the name the kernel knew it by. */
export const auditProcessSchema = processInfoSchema.extend({
  comm: z.string(),
  /** Whether startTime was read from /proc (exact) or estimated from the event time (process gone). */
  startTimeExact: z.boolean(),
});
export type AuditProcess = z.infer<typeof auditProcessSchema>;

/** A file an audited syscall named (PATH record). `name` is as the process wrote it. */
export const auditPathSchema = z.object({
  name: z.string(),
  nametype: z.string(),
  /** Octal st_mode, e.g. "0100755"; empty when the file did not exist. */
  mode: z.string(),
  inode: z.string(),
});
export type AuditPath = z.infer<typeof auditPathSchema>;

const auditCommon = {
  serial: nonNegInt,
  /** The vigil audit rule key that matched (`vigil_exec`, …). */
  key: z.string(),
  success: z.boolean(),
  exit: z.number().int(),
  process: auditProcessSchema,
  cwd: z.string(),
  paths: z.array(auditPathSchema),
};

/** What happened to a file inside a container; `present` is what a scan found at container start. */
export const fileActions = ['present', 'created', 'modified', 'renamed', 'deleted', 'attributes'] as const;
export type FileAction = (typeof fileActions)[number];

/** A file's metadata as stat reported it: mode in octal (e.g. "100644"), owner ids. */
const fileStatSchema = z.object({ mode: z.string(), uid: nonNegInt, gid: nonNegInt });

export const authServices = ['ssh', 'web', 'mysql', 'postgresql', 'redis', 'mongodb'] as const;
export type AuthService = (typeof authServices)[number];

/** A container of a pod, as far as the cluster rules read it. */
const podContainerSchema = z.object({
  name: z.string(),
  image: z.string(),
  privileged: z.boolean(),
  allowPrivilegeEscalation: z.boolean().optional(),
  runAsUser: z.number().int().optional(),
  capAdd: z.array(z.string()),
  capDrop: z.array(z.string()),
  volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string(), readOnly: z.boolean() })),
});

/** A pod, normalised from the API's object (a watch, or an audit event's request object). */
export const podSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  nodeName: z.string(),
  serviceAccountName: z.string(),
  annotations: z.record(z.string(), z.string()),
  ownerReferences: z.array(z.object({ kind: z.string(), name: z.string() })),
  hostNetwork: z.boolean(),
  hostPID: z.boolean(),
  hostIPC: z.boolean(),
  containers: z.array(podContainerSchema),
  initContainers: z.array(podContainerSchema),
  ephemeralContainers: z.array(podContainerSchema),
  volumes: z.array(z.object({ name: z.string(), hostPath: z.string().optional() })),
  phase: z.string(),
});
export type Pod = z.infer<typeof podSchema>;
export type PodContainer = z.infer<typeof podContainerSchema>;

const k8sUserSchema = z.object({ username: z.string(), uid: z.string().optional(), groups: z.array(z.string()).optional() });

/** `off`: the source does not apply to this host (no Kubernetes here): shown, never alerted. */
export const sourceStates = ['up', 'down', 'degraded', 'off'] as const;
export type SourceState = (typeof sourceStates)[number];

/** Data schemas by source, then by kind. Adding a kind here adds it to the union and the reader. */
export const eventDataSchemas = {
  docker: {
    /** Why the snapshot was taken: the lifecycle action, or startup/resync listing. */
    'container.snapshot': z.object({
      reason: z.enum(['startup', 'resync', ...lifecycleActions]),
      container: containerSnapshotSchema,
    }),
    'container.lifecycle': z.object({
      action: z.enum(lifecycleActions),
      id: z.string().min(1),
      name: z.string(),
      image: z.string(),
      exitCode: z.number().int().optional(),
    }),
  },
  proc: {
    'process.snapshot': processInfoSchema.extend({ sockets: z.array(socketSchema) }),
    'process.exit': z.object({ pid: nonNegInt, startTime: nonNegInt }),
    /**
     * A host kernel setting an escape rewrites, at start and whenever it changes. A container
     * allowed to write the host's core_pattern writes it through its own procfs instance, which
     * no audit watch sees: reading the value is how the change shows.
     */
    'host.setting': z.object({ name: z.enum(['kernel.core_pattern']), value: z.string(), reason: z.enum(['startup', 'change']) }),
  },
  audit: {
    /** A program executed (execve/execveat), argv complete. */
    exec: z.object({ ...auditCommon, exeSha256: z.string().optional() }),
    /** Any other audited syscall, with its raw arguments (hex, as the kernel logs them). */
    syscall: z.object({
      ...auditCommon,
      syscall: z.string(),
      args: z.array(z.string()),
      sockaddr: z.object({ family: z.string(), address: z.string(), port: z.number().int() }).optional(),
    }),
    /** The kernel's audit counters; `lostSince` is what was lost since the previous status. */
    status: z.object({ enabled: z.number().int(), lost: nonNegInt, lostSince: nonNegInt, backlog: nonNegInt }),
  },
  files: {
    /**
     * A file inside a container, by its in-container path. Facts the rules need travel here, so
     * replay works: the hash (files up to the size limit), the byte entropy of its head, and for
     * scannable types (web files, scripts, small text) the content, or for binaries their
     * printable strings.
     */
    'file.change': z.object({
      containerId: z.string().min(1),
      path: z.string(),
      action: z.enum(fileActions),
      /** For `renamed`: the path it had before. */
      previousPath: z.string().optional(),
      size: nonNegInt,
      /** Absent for `deleted`. */
      stat: fileStatSchema.optional(),
      /** For `attributes`: mode and owner before the change. */
      previousStat: fileStatSchema.optional(),
      sha256: z.string().optional(),
      /** Shannon entropy of the first bytes, in bits per byte (0–8). */
      entropy: z.number().min(0).max(8).optional(),
      content: z.string().optional(),
      /** Printable runs of a binary file (one per line), when it has no `content`. */
      strings: z.string().optional(),
      /** Whether `content` or `strings` stopped at the limit. */
      truncated: z.boolean().optional(),
    }),
    /**
     * A container's account files at start and after each change to one of them. The shadow
     * password field is reduced at the source to what the rules need: "" (none), "*"/"!" forms
     * (locked) or "<hash>", so no hash reaches a recording. `imagePasswd` is the image's own
     * /etc/passwd (its layers without the container's writes); null when there is none.
     */
    accounts: z.object({
      containerId: z.string().min(1),
      reason: z.enum(['startup', 'change']),
      passwd: z.string(),
      shadow: z.string().nullable(),
      group: z.string().nullable(),
      imagePasswd: z.string().nullable(),
    }),
  },
  logs: {
    /** One authentication outcome parsed from a log line (host file or container log). */
    auth: z.object({
      service: z.enum(authServices),
      outcome: z.enum(['success', 'failure']),
      sourceIp: z.string(),
      user: z.string(),
      /** The container whose log it is; absent for host log files. */
      containerId: z.string().optional(),
      /** The host log file, or "container" for a container's stdout/stderr. */
      origin: z.string(),
      /** The log line, cut at 2 KiB. */
      line: z.string(),
    }),
  },
  k8s: {
    /**
     * One API request from the Kubernetes audit log (audit.k8s.io/v1 Event), once whatever
     * stages the log holds: the first that carries the outcome (ResponseStarted for long-running
     * requests, else ResponseComplete or Panic), or RequestReceived when the log ends before it.
     */
    audit: z.object({
      auditID: z.string().min(1),
      stage: z.string(),
      level: z.string(),
      verb: z.string(),
      requestURI: z.string(),
      user: k8sUserSchema,
      impersonatedUser: k8sUserSchema.optional(),
      sourceIPs: z.array(z.string()),
      userAgent: z.string(),
      objectRef: z
        .object({
          resource: z.string(),
          subresource: z.string().optional(),
          namespace: z.string().optional(),
          name: z.string().optional(),
          apiGroup: z.string().optional(),
          apiVersion: z.string().optional(),
        })
        .optional(),
      responseStatus: z.object({ code: z.number().int(), reason: z.string().optional(), message: z.string().optional() }).optional(),
      requestObject: z.unknown().optional(),
      requestReceivedTimestamp: z.string(),
    }),
    /** A pod as the API server lists and watches it. */
    'pod.snapshot': z.object({
      reason: z.enum(['startup', 'added', 'modified', 'deleted']),
      pod: podSchema,
    }),
  },
  vigil: {
    /** A source changed state: the status line and the health rule read these. */
    'source.status': z.object({
      source: z.string(),
      state: z.enum(sourceStates),
      reason: z.string().optional(),
    }),
    /** The process whitelist entries kept in the state file, in full, whenever they change. */
    whitelist: z.object({
      entries: z.array(z.object({ image: z.string(), process: z.string(), enabled: z.boolean() })),
    }),
    /** Live events of a source dropped because the engine could not keep up (since the last report). */
    dropped: z.object({
      source: z.string(),
      count: z.number().int().positive(),
      total: z.number().int().positive(),
    }),
    /** The outcome of an enforcement action vigil took (live only; replay never acts). */
    enforcement: z.object({
      containerId: z.string(),
      action: z.literal('stop'),
      ok: z.boolean(),
      error: z.string().optional(),
    }),
  },
} as const;

type Schemas = typeof eventDataSchemas;
export type EventSource = keyof Schemas;

export type VigilEvent = {
  [S in EventSource]: {
    [K in keyof Schemas[S] & string]: {
      seq: number;
      ts: string;
      source: S;
      kind: K;
      data: z.infer<Schemas[S][K]>;
    };
  }[keyof Schemas[S] & string];
}[EventSource];

/** `source/kind`, the key rules subscribe with and the dispatch index is built on. */
export type EventKey = VigilEvent extends infer E
  ? E extends { source: infer S extends string; kind: infer K extends string }
    ? `${S}/${K}`
    : never
  : never;

export type EventOf<K extends EventKey> = K extends `${infer S}/${infer R}`
  ? Extract<VigilEvent, { source: S; kind: R }>
  : never;

/** An event before the pipeline gives it its sequence number. */
export type UnsequencedEvent = VigilEvent extends infer E ? (E extends VigilEvent ? Omit<E, 'seq'> : never) : never;

export function eventKey(e: { source: string; kind: string }): string {
  return `${e.source}/${e.kind}`;
}

export const allEventKeys: readonly EventKey[] = Object.entries(eventDataSchemas).flatMap(([source, kinds]) =>
  Object.keys(kinds).map((kind) => `${source}/${kind}` as EventKey),
);

export type EventCheck =
  | { ok: true; event: VigilEvent }
  | { ok: false; reason: 'unknown-kind'; message: string }
  | { ok: false; reason: 'invalid'; message: string };

/** A compiled check of one kind's data: validates in place, stripping unknown keys as zod does. */
type DataCheck = ValidateFunction & ((data: unknown) => boolean);

const ajv = new Ajv({ allErrors: false, removeAdditional: true, strict: false });
/** source -> kind -> check: looked up with the event's own strings, no key built per event. */
const dataChecks = new Map<string, Map<string, DataCheck>>();

/**
 * The data check of a known kind, compiled on first use. Recordings are read a million events at
 * a time, so the zod schemas (still the single source of truth) are turned into JSON Schema and
 * compiled with ajv, which checks the parsed line in place instead of building a copy of it.
 */
function dataCheck(source: string, kind: string): DataCheck | undefined {
  const known = dataChecks.get(source)?.get(kind);
  if (known) return known;
  if (!Object.hasOwn(eventDataSchemas, source)) return undefined;
  const kinds = eventDataSchemas[source as EventSource] as Record<string, z.ZodType>;
  if (!Object.hasOwn(kinds, kind)) return undefined;
  const check = ajv.compile(z.toJSONSchema(kinds[kind]!, { target: 'draft-7', io: 'output', unrepresentable: 'any' })) as DataCheck;
  const ofSource = dataChecks.get(source) ?? dataChecks.set(source, new Map()).get(source)!;
  ofSource.set(kind, check);
  return check;
}

/** Validates an untrusted value (a parsed recording line) as an event of a known kind. */
export function checkEvent(value: unknown): EventCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return invalid('not an event object');
  const { seq, ts, source, kind, data } = value as Record<string, unknown>;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return invalid('seq: expected a non-negative integer');
  if (typeof ts !== 'string') return invalid('ts: expected a string');
  if (typeof source !== 'string') return invalid('source: expected a string');
  if (typeof kind !== 'string') return invalid('kind: expected a string');
  const check = dataCheck(source, kind);
  if (!check) return { ok: false, reason: 'unknown-kind', message: `unknown event kind ${terminalSafe(JSON.stringify(`${source}/${kind}`), 80)}` };
  if (!check(data)) return invalid(`${source}/${kind}: ${describeError(check.errors?.[0])}`);
  // JSON Schema cannot bound nesting, and the one free-form value must stay writable: JSON.stringify
  // (a recording, an export) overflows its stack near 5 000 levels.
  if (source === 'k8s' && kind === 'audit' && nestsDeeper((data as { requestObject?: unknown }).requestObject, MAX_FREE_FORM_DEPTH)) {
    return invalid('k8s/audit: data.requestObject: nested too deeply');
  }
  return { ok: true, event: { seq, ts, source, kind, data } as VigilEvent };
}

/** The k8s source keeps request objects to 64 levels; a recording may hold no deeper one. */
const MAX_FREE_FORM_DEPTH = 64;

/** Whether a JSON value nests lists or objects more than `limit` levels deep; recurses no deeper. */
function nestsDeeper(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  for (const item of Object.values(value)) if (nestsDeeper(item, limit - 1)) return true;
  return false;
}

function invalid(message: string): EventCheck {
  return { ok: false, reason: 'invalid', message };
}

function describeError(error: ErrorObject | undefined): string {
  if (!error) return 'invalid event';
  // The path holds the line's own keys (labels, annotations): made safe to print, and cut.
  const path = terminalSafe(['data', ...error.instancePath.split('/').slice(1)].join('.'), 120);
  return `${path}: ${error.message ?? 'invalid'}`;
}
