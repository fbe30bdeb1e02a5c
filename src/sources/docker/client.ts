// The Docker API client, configured from the environment the way the docker CLI reads it.
// dockerode reads DOCKER_HOST itself, but differs from the CLI where it matters on a node:
// `tcp://host` without a port, DOCKER_TLS_VERIFY set to anything but "1", certificates in
// ~/.docker when DOCKER_CERT_PATH is unset. And a missing certificate makes it throw from its
// constructor; here that is a reason to report, not a crash.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import Docker, { type DockerOptions } from 'dockerode';

export type DockerClient = { ok: true; client: Docker } | { ok: false; reason: string };

/** The docker CLI's default ports for tcp:// hosts, without and with TLS. */
const HTTP_PORT = 2375;
const TLS_PORT = 2376;

export function dockerClient(env: NodeJS.ProcessEnv = process.env): DockerClient {
  try {
    return { ok: true, client: new Docker(dockerOptions(env)) };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message.split('\n', 1)[0]! : String(err) };
  }
}

/** What the docker CLI would connect to; unix sockets and ssh are left to dockerode, which reads them alike. */
export function dockerOptions(env: NodeJS.ProcessEnv): DockerOptions {
  const value = env.DOCKER_HOST;
  if (!value || value.startsWith('unix://') || value.startsWith('npipe://') || value.startsWith('ssh://')) return {};
  let url: URL | undefined;
  try {
    url = new URL(value.includes('://') ? value : `tcp://${value}`);
  } catch {
    // reported below
  }
  if (!url?.hostname) {
    throw new Error(`DOCKER_HOST=${JSON.stringify(value)} is not a Docker host (expected unix:///path, tcp://host:port or ssh://user@host)`);
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`DOCKER_HOST=${JSON.stringify(value)}: unsupported scheme ${url.protocol.slice(0, -1)}`);
  }
  // The CLI turns TLS on for any non-empty DOCKER_TLS_VERIFY, and verifies against ca.pem.
  const tls = Boolean(env.DOCKER_TLS_VERIFY) || url.protocol === 'https:';
  const options: DockerOptions = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : tls ? TLS_PORT : HTTP_PORT,
    protocol: tls ? 'https' : 'http',
  };
  if (!tls) return options;
  const dir = env.DOCKER_CERT_PATH || env.DOCKER_CONFIG || join(homedir(), '.docker');
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name));
    } catch (err) {
      throw new Error(`DOCKER_TLS_VERIFY is set but ${join(dir, name)} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}); set DOCKER_CERT_PATH`);
    }
  };
  return { ...options, ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}
