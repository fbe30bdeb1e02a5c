// Real authentication servers for live tests: each is started by root as a foreground child bound
// to 127.0.0.1, keeps its files in the caller's temp dir and its log in a file, and stop() kills it
// and waits for the exit, so nothing outlives the test. Passwords are fixed: loopback only.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export const TEST_USER = 'vigiltest';
export const TEST_PASSWORD = 'vigil-Test-pw1';

export interface RunningServer {
  logFile: string;
  /** Kills the server and resolves once it has exited. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  port: number;
  /** Where the server writes its log; defaults to a file in dir named after the server. */
  logFile?: string;
}

const SSHD = '/usr/sbin/sshd';
const NGINX = '/usr/sbin/nginx';

/** Debian installs each PostgreSQL major under /usr/lib/postgresql/<ver>/bin: take the newest. */
function postgresBin(): string | undefined {
  if (!existsSync('/usr/lib/postgresql')) return undefined;
  const versions = readdirSync('/usr/lib/postgresql')
    .filter((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && `/usr/lib/postgresql/${versions[0]}/bin`;
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Which of sshd, nginx and PostgreSQL (and their clients) cannot be run here. */
export function serversAvailable(): { ok: boolean; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  const missing = [
    ...[SSHD, NGINX].filter((p) => !existsSync(p)),
    ...['ssh', 'ssh-keygen', 'sshpass', 'openssl', 'psql', 'useradd', 'chpasswd'].filter((c) => !onPath(c)),
    ...(postgresBin() ? [] : ['postgresql (initdb)']),
    ...(spawnSync('id', ['postgres'], { stdio: 'ignore' }).status === 0 ? [] : ['the postgres user']),
  ];
  if (missing.length === 0) return { ok: true, reason: '' };
  return { ok: false, reason: `missing ${missing.join(', ')} (apt-get install openssh-server openssh-client sshpass nginx postgresql openssl)` };
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Kills the child with `signal`, escalating to SIGKILL after 10 s, and waits for its exit. */
async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/** Starts `cmd` with its output appended to logFile and resolves once the port accepts connections. */
async function launch(
  what: string,
  cmd: string,
  args: string[],
  opts: { port: number; logFile: string; stopSignal: NodeJS.Signals; uid?: number; gid?: number; cwd?: string },
): Promise<RunningServer> {
  const fd = openSync(opts.logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], uid: opts.uid, gid: opts.gid, cwd: opts.cwd });
  closeSync(fd);
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));
  const stop = () => kill(child, opts.stopSignal);
  const end = Date.now() + 30_000;
  while (!(await canConnect(opts.port))) {
    if (spawnError || exited(child) || Date.now() > end) {
      await stop();
      throw new Error(`${what} did not start on 127.0.0.1:${opts.port}: ${spawnError?.message ?? `exit ${child.exitCode ?? child.signalCode}`} (see ${opts.logFile})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { logFile: opts.logFile, stop };
}

function run(cmd: string, args: string[], opts: { input?: string; uid?: number; gid?: number; cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

/** The local account sshd authenticates, created once with the known password. */
function ensureTestUser(): void {
  if (spawnSync('id', [TEST_USER], { stdio: 'ignore' }).status !== 0) run('useradd', ['-M', '-d', '/nonexistent', '-s', '/bin/sh', TEST_USER]);
  run('chpasswd', [], { input: `${TEST_USER}:${TEST_PASSWORD}\n` });
}

/** sshd -D -E logFile: password logins for TEST_USER only, through PAM as Debian configures it. */
export async function startSshd(dir: string, { port, logFile = join(dir, 'sshd.log') }: ServerOptions): Promise<RunningServer> {
  ensureTestUser();
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation dir, made by the init script
  const hostKey = join(dir, 'ssh_host_ed25519_key');
  if (!existsSync(hostKey)) run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication no',
      'UsePAM yes',
      'PermitRootLogin no',
      `AllowUsers ${TEST_USER}`,
      'LogLevel INFO',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return launch('sshd', SSHD, ['-D', '-E', logFile, '-f', config], { port, logFile, stopSignal: 'SIGTERM' });
}

/** One password attempt (the client gives up after one prompt), true when the login succeeded. */
export function sshLogin(port: number, user: string, password: string): Promise<boolean> {
  const args = ['-p', password, 'ssh', '-p', String(port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null'];
  args.push('-o', 'PreferredAuthentications=password', '-o', 'NumberOfPasswordPrompts=1', '-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR');
  const child = spawn('sshpass', [...args, `${user}@127.0.0.1`, 'true'], { stdio: 'ignore' });
  return new Promise((resolve) => {
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/** nginx in its own prefix dir, `auth_basic` on / for TEST_USER, access log in combined format. */
export async function startNginx(dir: string, { port, logFile = join(dir, 'nginx-access.log') }: ServerOptions): Promise<RunningServer> {
  const htpasswd = join(dir, 'htpasswd');
  mkdirSync(join(dir, 'www'), { recursive: true });
  writeFileSync(join(dir, 'www', 'index.html'), 'ok\n');
  writeFileSync(htpasswd, `${TEST_USER}:${run('openssl', ['passwd', '-apr1', TEST_PASSWORD]).trim()}\n`);
  const temp = (name: string) => `${name}_temp_path ${join(dir, `${name}-temp`)};`;
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `# workers run as root so they can read the htpasswd in the caller's private temp dir
user root;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'nginx-error.log')};
events { worker_connections 64; }
http {
  access_log ${logFile} combined;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  server {
    listen 127.0.0.1:${port};
    # \`return\` would answer before the access phase, so / serves a file for auth_basic to guard
    location / {
      auth_basic "vigil test";
      auth_basic_user_file ${htpasswd};
      root ${join(dir, 'www')};
    }
    location = /login {
      if ($request_method = POST) { return 302 /; }
      return 200 "login form\\n";
    }
  }
}
`,
  );
  const args = ['-p', dir, '-e', join(dir, 'nginx-error.log'), '-c', conf, '-g', 'daemon off;'];
  return launch('nginx', NGINX, args, { port, logFile, stopSignal: 'SIGTERM' });
}

/** One request on a fresh connection; resolves to the status code. */
export function httpGet(port: number, path: string, user?: string, password?: string, method = 'GET'): Promise<number> {
  const headers = user === undefined ? {} : { authorization: `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}` };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end();
  });
}

/**
 * A fresh cluster in dir/pgdata owned by postgres, run in the foreground (no pg_ctl daemon), with
 * TEST_USER as its superuser, SCRAM passwords on 127.0.0.1 and Debian's log_line_prefix.
 */
export async function startPostgres(dir: string, { port, logFile = join(dir, 'postgresql.log') }: ServerOptions): Promise<RunningServer> {
  const bin = postgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed');
  const uid = Number(run('id', ['-u', 'postgres']));
  const gid = Number(run('id', ['-g', 'postgres']));
  chmodSync(dir, 0o711); // postgres must reach its data dir inside the caller's private temp dir
  const data = join(dir, 'pgdata');
  mkdirSync(data, { mode: 0o700 });
  chownSync(data, uid, gid);
  const pwfile = join(dir, 'pg-pwfile');
  writeFileSync(pwfile, `${TEST_PASSWORD}\n`);
  chownSync(pwfile, uid, gid);
  const as = { uid, gid, cwd: data };
  run(`${bin}/initdb`, ['-D', data, '-U', TEST_USER, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '--locale=C', '-E', 'UTF8'], as);
  rmSync(pwfile);
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n');
  const settings = {
    listen_addresses: "'127.0.0.1'",
    port: String(port),
    unix_socket_directories: `'${data}'`,
    logging_collector: 'off',
    log_destination: "'stderr'",
    log_connections: 'on',
    log_line_prefix: "'%m [%p] %q%u@%d '",
    password_encryption: "'scram-sha-256'",
  };
  const conf = Object.entries(settings).map(([k, v]) => `${k} = ${v}\n`);
  appendFileSync(join(data, 'postgresql.conf'), conf.join(''));
  // SIGINT is PostgreSQL's "fast" shutdown: sessions are ended and the postmaster exits.
  return launch('postgres', `${bin}/postgres`, ['-D', data], { port, logFile, stopSignal: 'SIGINT', ...as });
}

/** psql over TCP with the password in PGPASSWORD; true when `select 1` ran. */
export function psqlLogin(port: number, user: string, password: string): boolean {
  const env = { ...process.env, PGPASSWORD: password, PGCONNECT_TIMEOUT: '10' };
  const args = ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', 'postgres', '-w', '-X', '-q', '-c', 'select 1'];
  return spawnSync('psql', args, { env, stdio: 'ignore', timeout: 30_000 }).status === 0;
}
