// "What to check next": the operator's first concrete moves for each rule of the catalogue,
// with the alert's container and pid filled in. Commands name the container by its id and
// shell-quote every value from the evidence, so pasting one never runs attacker text.
import type { Alert } from '../../../engine/alert.js';
import { lookup } from '../../../engine/json.js';
import { shellQuote, shortId } from './format.js';

export interface Step {
  say: string;
  /** Shell commands to run on the host, one per line. */
  run?: string[];
}

interface Subject {
  alert: Alert;
  /** The container's short id, or a placeholder. */
  c: string;
  /** The process's host pid, or a placeholder. */
  pid: string;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const capture = ({ c }: Subject): Step => ({
  say: 'Capture what it changed and what runs in it before acting.',
  run: [`docker diff ${c}`, `docker top ${c}`],
});

const connections = ({ pid }: Subject): Step => ({
  say: 'See where it connects, from its own network namespace.',
  run: [`nsenter -t ${pid} -n ss -tnp`],
});

const kill = ({ pid }: Subject): Step => ({ say: 'Kill it once the evidence is captured.', run: [`kill -9 ${pid}`] });

const parentage: Step = {
  say: 'Who started it? The Process tree tab shows its parents: a web server or app runtime there means code execution in the app.',
};

const createdBy = ({ c }: Subject): Step => ({
  say: 'Was it deliberate? Its labels (compose project, CI job) and creation time say who created it.',
  run: [`docker inspect ${c} -f '{{.Created}} {{json .Config.Labels}}'`],
});

const escapeChecks: Record<string, Step> = {
  'runc-overwrite': {
    say: 'Check the host runtime binary was not replaced (compare with the package).',
    run: ['ls -l --time-style=full-iso "$(command -v runc)"', 'sha256sum "$(command -v runc)"'],
  },
  'proc-mem-write': { say: 'A write to process memory: check the kernel is patched against Dirty COW (CVE-2016-5195).', run: ['uname -r'] },
  'release-agent': { say: 'Look for release_agent programs set on the host cgroups.', run: ['grep -rs . /sys/fs/cgroup/*/release_agent'] },
  'core-pattern': { say: 'core_pattern must not pipe core dumps to a program in a container path.', run: ['cat /proc/sys/kernel/core_pattern'] },
  'kernel-module': { say: 'See which module was loaded and what the kernel logged.', run: ['lsmod | head -20', 'dmesg | tail -50'] },
  shocker: { say: 'open_by_handle_at needs DAC_READ_SEARCH: the Options tab shows how it got it; the Events tab what it opened.' },
  'block-device-mount': { say: 'It mounted a host disk: anything on it may have been read or changed. Check privileged and devices in the Options and Mounts tabs.' },
};

const rules: Record<string, (s: Subject) => Step[]> = {
  'system.container_security_options': (s) => [
    createdBy(s),
    { say: 'The Options tab shows what it was granted: privileged or SYS_ADMIN is root on the host.' },
    capture(s),
    { say: 'Recreate it with only the capabilities it needs and the default seccomp and AppArmor profiles.' },
  ],
  'system.container_mounts': (s) => {
    const mounts = field(s.alert.evidence, 'mounts');
    const list = Array.isArray(mounts) ? mounts : [];
    const isSocket = (m: unknown) => field(m, 'reason') === 'container runtime socket';
    const socket = list.some(isSocket);
    const writable = text(field(list.find((m) => field(m, 'rw') === true && !isSocket(m)), 'source'));
    return [
      { say: 'Is the mount needed? The Mounts tab marks the dangerous ones; compare with the deployment definition.', run: [`docker inspect ${s.c} -f '{{json .Mounts}}'`] },
      ...(socket
        ? [{ say: 'The runtime socket is full control of the host: look for containers it created or exec-ed into.', run: ["docker ps -a --format '{{.CreatedAt}}  {{.ID}}  {{.Image}}'"] }]
        : []),
      ...(writable ? [{ say: 'It is writable: look for host files changed under it in the last hour.', run: [`find ${shellQuote(writable)} -xdev -mmin -60 -ls | head -50`] }] : []),
      { say: 'Remove the mount, or bind only the subdirectory needed, read-only (:ro).' },
    ];
  },
  'system.container_namespaces': (s) => {
    const findings = field(s.alert.evidence, 'findings');
    const shared = Array.isArray(findings) ? findings : [];
    return [
      createdBy(s),
      ...(shared.includes('pid=host') ? [{ say: 'pid=host: it can see, signal and ptrace every host process. Check for other alerts from it.' }] : []),
      ...(shared.includes('network=host') ? [{ say: 'network=host: it can bind host ports and reach services listening on localhost.', run: ['ss -tlnp'] }] : []),
      { say: 'Unless it is a node agent that needs them, recreate it without --pid/--network/--ipc/--uts=host.' },
    ];
  },
  'system.image_blocked': (s) => {
    const image = shellQuote(text(field(s.alert.evidence, 'imageId')) ?? '<image>');
    return [
      { say: 'Where did the image come from? Check its digest and build date against your registry.', run: [`docker image inspect ${image} -f '{{.RepoDigests}} {{.Created}}'`] },
      createdBy(s),
      { say: 'Other containers from the same image:', run: [`docker ps -a --filter ancestor=${image}`] },
      { say: 'Stop and remove it (with enforce: true in the profile vigil stops it itself).', run: [`docker rm -f ${s.c}`] },
    ];
  },
  'system.syscall': (s) => [
    { say: 'Did it succeed? The evidence has the result; the Events tab the raw arguments.' },
    parentage,
    { say: 'setns, unshare, mount or bpf succeeding in a container means extra privileges: check the Options tab.' },
    capture(s),
  ],
  'exploit.escape_vuln': (s) => {
    const specific = lookup(escapeChecks, text(field(s.alert.evidence, 'technique')));
    return [
      { say: 'If the syscall succeeded, treat the host as compromised: isolate the host, not only the container.' },
      { say: 'Freeze the container with its memory for forensics.', run: [`docker pause ${s.c}`] },
      ...(specific ? [specific] : []),
      parentage,
      kill(s),
    ];
  },
  'exploit.escape_file': (s) => {
    const hostPath = text(field(s.alert.evidence, 'hostPath'));
    return [
      { say: 'Which host file, read or written, and did it succeed? See hostPath and syscall in the evidence.' },
      ...(hostPath ? [{ say: 'Compare the host file with a known-good copy.', run: [`ls -l --time-style=full-iso ${shellQuote(hostPath)}`] }] : []),
      { say: 'Look for planted persistence: new accounts, SSH keys, cron jobs.', run: ['tail -5 /etc/passwd', 'cat /root/.ssh/authorized_keys', 'ls -la --time-style=full-iso /etc/cron.d'] },
      { say: 'Remove or narrow the mount that exposed it (Mounts tab); rotate any secret it could read.' },
    ];
  },
  'system.high_risk_command': (s) => [
    { say: 'What did it fetch or run? Retrieve any URL in the command from an isolated machine, never from this host.' },
    parentage,
    capture(s),
    connections(s),
    kill(s),
  ],
  'system.privilege_escalation': (s) => {
    const technique = text(field(s.alert.evidence, 'technique'));
    const kernel = technique === 'creds-without-exec' || technique === 'setuid-root';
    return [
      kernel
        ? { say: 'Root without a SUID program points at a kernel exploit: check the kernel against recent privilege-escalation CVEs.', run: ['uname -r', 'dmesg | tail -50'] }
        : { say: 'Were the SUID files part of the image? docker diff shows added ones; find lists them all.', run: [`docker diff ${s.c}`, `find /proc/${s.pid}/root/ -xdev -perm -4000 -type f`] },
      parentage,
      { say: 'Run the container as a non-root user with --security-opt no-new-privileges.' },
    ];
  },
  'system.reverse_shell': (s) => {
    const sockets = field(s.alert.evidence, 'sockets');
    const peer = Array.isArray(sockets) ? text(field(sockets[0], 'remote')) : undefined;
    return [
      { say: peer ? `Who is the peer ${peer}? Search firewall and flow logs for other hosts talking to it.` : 'Who is the peer? Its address is in the command line (evidence); search firewall and flow logs for it.' },
      connections(s),
      capture(s),
      { say: 'Kill the process and cut the container off: docker inspect lists its networks.', run: [`kill -9 ${s.pid}`, `docker network disconnect <network> ${s.c}`] },
      parentage,
    ];
  },
  'system.container_abnormal_process': (s) => [
    { say: 'Is it expected? A new release may run it: compare with the container command.', run: [`docker inspect ${s.c} -f '{{.Path}} {{.Args}}'`] },
    { say: 'If it is legitimate, add it to the image whitelist (the whitelist toggle, or processWhitelist in the profile).' },
    parentage,
    capture(s),
  ],
  'system.container_malicious_program': (s) => [
    { say: 'Keep the binary and its hash for threat intelligence before killing it.', run: [`sha256sum /proc/${s.pid}/exe`, `cp /proc/${s.pid}/exe /root/vigil-sample-${s.pid}`] },
    connections(s),
    kill(s),
    { say: 'Will it come back? Check the restart policy, cron in the container, and the parent in the Process tree tab.', run: [`docker inspect ${s.c} -f '{{.HostConfig.RestartPolicy.Name}}'`] },
    { say: 'How did it get in? Files it dropped:', run: [`docker diff ${s.c}`] },
  ],
  'malware.unclassified': (s) => {
    const path = text(field(s.alert.evidence, 'path'));
    const inContainer = path ? shellQuote(path) : '<path>';
    return [
      { say: 'Keep a copy and its hash for threat intelligence before removing it.', run: [`docker cp ${s.c}:${inContainer} /root/vigil-sample`, 'sha256sum /root/vigil-sample'] },
      { say: 'Is it running? Look for processes started from it or talking to a mining pool.', run: [`docker top ${s.c}`] },
      { say: 'How did it get in? Everything the container changed:', run: [`docker diff ${s.c}`] },
    ];
  },
  'malware.webshell': (s) => {
    const path = text(field(s.alert.evidence, 'path'));
    return [
      { say: 'Keep the file, then find the requests that reached it in the web server\'s access log.', run: [`docker cp ${s.c}:${path ? shellQuote(path) : '<path>'} /root/vigil-webshell`, `docker logs ${s.c} 2>&1 | grep -F ${shellQuote(path?.split('/').pop() ?? '<name>')} | tail -50`] },
      { say: 'How was it written? An upload form, a vulnerable plugin, or a compromised deploy: other new files in the web root:', run: [`docker diff ${s.c}`] },
      { say: 'Commands it ran show as processes whose parent is the web server (system rules, Process tree tab).' },
      { say: 'Redeploy the container from a clean image rather than deleting the one file.' },
    ];
  },
  'malware.ransomware': (s) => [
    { say: 'Stop it spreading: pause the container now (keeps memory for key recovery), then check its volumes.', run: [`docker pause ${s.c}`, `docker inspect ${s.c} -f '{{json .Mounts}}'`] },
    { say: 'Which files were hit? The evidence lists samples; docker diff all of them.', run: [`docker diff ${s.c} | head -100`] },
    { say: 'Find the process writing them: the container\'s processes right now.', run: [`docker top ${s.c}`] },
    { say: 'Restore from backups taken before the first change; do not pay or run any decryptor from the note.' },
  ],
  'system.sensitive_file': (s) => {
    const path = text(field(s.alert.evidence, 'path'));
    return [
      { say: 'Compare the file with the image\'s version.', run: [`docker diff ${s.c}`, ...(path ? [`docker exec ${s.c} ls -l ${shellQuote(path)}`] : [])] },
      { say: 'Who changed it? Processes running in the container, and any exec into it (docker events):', run: [`docker top ${s.c}`, `docker events --since 1h --filter container=${s.c} --until 0s`] },
      { say: 'If the change is a legitimate deploy, narrow protectedFiles for this image in the profile.' },
    ];
  },
  'user.illegal_account': (s) => [
    { say: 'Read the account files as they are now.', run: [`docker exec ${s.c} cat /etc/passwd`, `docker exec ${s.c} cat /etc/group`] },
    { say: 'A new or uid-0 account is persistence: look for SSH keys and cron entries planted with it.', run: [`docker exec ${s.c} sh -c 'ls -la /root/.ssh /home/*/.ssh; cat /etc/crontab'`] },
    { say: 'Which process changed them? The container\'s other alerts (high-risk commands: useradd, echo >> /etc/passwd).' },
  ],
  'user.brute_force': (s) => {
    const ip = text(field(s.alert.evidence, 'sourceIp'));
    const success = field(s.alert.evidence, 'outcome') === 'success';
    return [
      ...(success ? [{ say: 'The login succeeded: treat the account as compromised. Disable it and end its sessions, then rotate its password and keys.' }] : []),
      { say: ip ? `Block ${ip} at the firewall while you investigate, and search other hosts' logs for it.` : 'Block the source address while you investigate.', ...(ip && { run: [`grep -rF ${shellQuote(ip)} /var/log/ | tail -50`] }) },
      { say: 'Require keys (SSH) or rate limiting and lockout (web, databases) on this service.' },
    ];
  },
  'cluster.pod_anomaly': (s) => {
    const pod = s.alert.pod ? `-n ${shellQuote(s.alert.pod.namespace)} ${shellQuote(s.alert.pod.name)}` : '<pod>';
    const user = s.alert.k8s?.user;
    return [
      { say: 'Who created it, and through what (a Deployment, a DaemonSet, by hand)? The Kubernetes tab shows the request and the pod.', run: [`kubectl get pod ${pod} -o yaml`] },
      ...(user ? [{ say: `What else did ${user} do? Its other requests in the audit log:`, run: [`grep -F ${shellQuote(`"username":"${user}"`)} /var/log/kubernetes/audit.log | tail -50`] }] : []),
      { say: 'A privileged or host-namespace pod is root on its node: check the node for what it ran.', run: [`kubectl get pod ${pod} -o jsonpath='{.spec.nodeName}'`] },
      { say: 'Enforce the baseline or restricted Pod Security Standard on the namespace to refuse such pods.' },
    ];
  },
  'cluster.user_enumeration': (s) => {
    const user = s.alert.k8s?.user ?? '<user>';
    return [
      { say: `What can ${user} actually do? Answer its question yourself:`, run: [`kubectl auth can-i --list --as=${shellQuote(user)}`] },
      { say: 'Where do its credentials come from? A service account token used from outside its pod (source IP, user agent in the evidence) is stolen.' },
      { say: 'What did it do next? Its later requests in the audit log.', run: [`grep -F ${shellQuote(`"username":"${user}"`)} /var/log/kubernetes/audit.log | tail -50`] },
    ];
  },
  'cluster.role_binding': (s) => [
    { say: 'Who now holds what? Review the binding and its subjects.', run: [`kubectl get clusterrolebindings,rolebindings -A -o wide | grep -F ${shellQuote(s.alert.k8s?.name || '<binding>')}`] },
    { say: 'If it was not a planned change, delete the binding (or service account / token) and rotate the credentials of its subjects.' },
    { say: 'Who made it? Check how that identity got the right to bind roles (escalate/bind verbs).', run: [`kubectl auth can-i --list --as=${shellQuote(s.alert.k8s?.user ?? '<user>')}`] },
  ],
  'cluster.event_deletion': (s) => [
    { say: 'Events were deleted to hide something: the audit log still has what happened around this time.', run: ['tail -200 /var/log/kubernetes/audit.log'] },
    { say: `What else did ${s.alert.k8s?.user ?? 'this identity'} do? Treat its credentials as compromised until explained.` },
  ],
  'vigil.source_down': (s) => {
    const source = text(field(s.alert.evidence, 'source'));
    const checks: Record<string, string[]> = {
      audit: ['systemctl status auditd', 'auditctl -s'],
      docker: ['systemctl status docker', "docker info -f '{{.ServerVersion}}'"],
    };
    const check = lookup(checks, source);
    return [
      { say: 'Until the source is back, the rules that read it are blind; the evidence says why it is down.' },
      ...(check ? [{ say: `Check the ${source} side.`, run: check }] : []),
      { say: 'vigil needs root to read the audit log and every process\'s sockets.' },
    ];
  },
  'vigil.enforcement': (s) =>
    field(s.alert.evidence, 'ok') === true
      ? [{ say: 'Find out why a blocked image was started (its image-blocked alert), then remove the container.', run: [`docker rm ${s.c}`] }]
      : [{ say: 'vigil could not stop it: stop it by hand and check its state.', run: [`docker stop ${s.c}`, `docker inspect ${s.c} -f '{{.State.Status}}'`] }],
  'vigil.events_dropped': () => [
    { say: 'Detection had a gap around this time: the source sent more than vigil could analyse.' },
    { say: 'Find what floods it (a noisy program, a log loop), and consider a narrower audit rule set.', run: ['aureport -x --summary -ts recent | head -20', 'docker stats --no-stream'] },
  ],
  'vigil.audit_lost': () => [
    { say: 'Detection had a gap around this time: review what happened on the host then by other means.' },
    { say: 'Check the counters and raise the kernel backlog limit.', run: ['auditctl -s', 'auditctl -b 8192'] },
    { say: 'Find what floods audit (a noisy program).', run: ['aureport -x --summary -ts recent | head -20'] },
  ],
};

const generic = (s: Subject): Step[] => [
  { say: 'Review the evidence below and the raw events (Events tab).' },
  ...(s.alert.container ? [{ say: 'Inspect the container.', run: [`docker inspect ${s.c}`, `docker diff ${s.c}`, `docker logs --tail 100 ${s.c}`] }] : []),
];

export function nextSteps(alert: Alert): Step[] {
  const subject: Subject = {
    alert,
    c: alert.container ? shellQuote(shortId(alert.container.id)) : '<container>',
    pid: alert.process ? String(alert.process.pid) : '<pid>',
  };
  return (lookup(rules, alert.ruleId) ?? generic)(subject);
}
