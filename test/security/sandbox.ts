// A sandbox to run vigil in and watch what it does to the host: traps that count connections
// (a Docker socket, a TCP port for the network and the Kubernetes API), private home, XDG, temp
// and working directories to find new files in, and strace (when installed) to see every exec,
// process, socket and file written, whoever it was meant for.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';

export const straceAvailable = (): { ok: boolean; reason: string } =>
  spawnSync('strace', ['-V']).status === 0 ? { ok: true, reason: '' } : { ok: false, reason: 'strace is not installed' };

/** A listening socket that counts (and at once closes) every connection it receives. */
export class Trap {
  connections = 0;
  private readonly server: Server = createServer((socket) => {
    this.connections++;
    socket.destroy();
  });

  listen(where: string | number): Promise<this> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      if (typeof where === 'string') this.server.listen(where, () => resolve(this));
      else this.server.listen(where, '127.0.0.1', () => resolve(this));
    });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** What a traced run did, from strace's log. */
export interface Trace {
  /** Programs executed (the first is the traced program itself). */
  execs: string[];
  /** New processes: fork, vfork, clone without CLONE_THREAD. */
  spawns: string[];
  /** Sockets made or used: socket, connect, bind, sendto, … */
  network: string[];
  /** Files opened for writing, created, removed, renamed or changed (terminals excepted). */
  writes: string[];
}

const NETWORK = new Set(['socket', 'socketpair', 'connect', 'bind', 'listen', 'accept', 'accept4', 'sendto', 'sendmsg', 'sendmmsg']);
const PATH_WRITES = new Set([
  'creat', 'mkdir', 'mkdirat', 'rename', 'renameat', 'renameat2', 'unlink', 'unlinkat', 'rmdir', 'link', 'linkat', 'symlink', 'symlinkat',
  'truncate', 'chmod', 'fchmodat', 'chown', 'fchownat', 'lchown', 'mknod', 'mknodat', 'utime', 'utimes', 'setxattr', 'lsetxattr', 'removexattr', 'lremovexattr',
]);
const WRITE_FLAGS = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND/;
// libuv reopens the terminal it draws on read-write.
const TERMINAL = /^"\/dev\/(pts\/\d+|tty)"/;

/** Reads strace's `-f -o` log: `PID name(args…` lines; `<… resumed>` halves carry no new call. */
export function parseTrace(text: string): Trace {
  const trace: Trace = { execs: [], spawns: [], network: [], writes: [] };
  for (const line of text.split('\n')) {
    const m = /^\d+\s+([a-z_0-9]+)\((.*)$/.exec(line);
    if (!m) continue;
    const [, name, args] = m as unknown as [string, string, string];
    if (name === 'execve' || name === 'execveat') trace.execs.push(line);
    else if (name === 'fork' || name === 'vfork' || ((name === 'clone' || name === 'clone3') && !args.includes('CLONE_THREAD'))) trace.spawns.push(line);
    else if (NETWORK.has(name)) trace.network.push(line);
    else if (PATH_WRITES.has(name)) trace.writes.push(line);
    else if (name === 'open' || name === 'openat' || name === 'openat2') {
      const path = name === 'open' ? args : args.slice(args.indexOf(', ') + 2);
      if (WRITE_FLAGS.test(args) && !TERMINAL.test(path)) trace.writes.push(line);
    }
  }
  return trace;
}

/** The strace command line that logs what `command` does to `log`, children included. */
export function straceCommand(log: string, command: string[]): string[] {
  return ['strace', '-f', '-qq', '-e', 'signal=none', '-e', 'trace=%process,%network,%file', '-o', log, ...command];
}

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a command (never blocking this process: the traps answer from its event loop). */
export function run(command: string[], options: { env: NodeJS.ProcessEnv; cwd: string }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

/** Every file and directory below `dir`, relative to it. */
export function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/**
 * Private directories for everything vigil could write to without being told where: its working
 * directory, $HOME, the XDG directories (the state file lives under $XDG_STATE_HOME) and $TMPDIR.
 */
export function sandboxDirs(root: string) {
  const dirs = {
    cwd: join(root, 'cwd'),
    home: join(root, 'home'),
    state: join(root, 'xdg-state'),
    config: join(root, 'xdg-config'),
    cache: join(root, 'xdg-cache'),
    data: join(root, 'xdg-data'),
    runtime: join(root, 'xdg-runtime'),
    tmp: join(root, 'tmp'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true, mode: 0o700 });
  const env = {
    HOME: dirs.home,
    XDG_STATE_HOME: dirs.state,
    XDG_CONFIG_HOME: dirs.config,
    XDG_CACHE_HOME: dirs.cache,
    XDG_DATA_HOME: dirs.data,
    XDG_RUNTIME_DIR: dirs.runtime,
    TMPDIR: dirs.tmp,
  };
  /** What appeared in any of them, as `dir/path`. */
  const contents = () => Object.entries(dirs).flatMap(([name, d]) => tree(d).map((p) => `${name}/${p}`));
  return { dirs, env, contents };
}

/** A kubeconfig whose cluster is the trap: a client that loaded it would connect there. */
export function trapKubeconfig(path: string, port: number): string {
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: trap, cluster: {server: "http://127.0.0.1:' + port + '", insecure-skip-tls-verify: true}}]',
      'users: [{name: trap, user: {token: trap}}]',
      'contexts: [{name: trap, context: {cluster: trap, user: trap}}]',
      'current-context: trap',
      '',
    ].join('\n'),
  );
  return path;
}

/** Pids of `root`'s descendants, from /proc. */
export function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone since the listing
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, ppid] of parent) {
      if (ppid === pid) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}
