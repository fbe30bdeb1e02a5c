// DOCKER_HOST and the TLS variables read as the docker CLI reads them (its defaults: port 2375,
// 2376 under TLS; any non-empty DOCKER_TLS_VERIFY; certificates in ~/.docker), and a client that
// cannot be made is a reason to report, not a throw.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerClient, dockerOptions } from '../../src/sources/docker/client.js';

let dir: string;
let certs: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-docker-client-'));
  certs = join(dir, 'config');
  mkdirSync(certs);
  for (const name of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(certs, name), `${name}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dockerOptions', () => {
  it('leaves unix sockets, ssh and the default socket to dockerode, which reads them as the CLI does', () => {
    for (const host of [undefined, '', 'unix:///run/user/1000/docker.sock', 'ssh://ops@node-3']) {
      expect(dockerOptions({ DOCKER_HOST: host })).toEqual({});
    }
  });

  it('gives a tcp host without a port the port 2375, or 2376 under TLS, and takes a host without a scheme as tcp', () => {
    expect(dockerOptions({ DOCKER_HOST: 'tcp://10.0.0.5' })).toEqual({ host: '10.0.0.5', port: 2375, protocol: 'http' });
    expect(dockerOptions({ DOCKER_HOST: '10.0.0.5:2380' })).toEqual({ host: '10.0.0.5', port: 2380, protocol: 'http' });
    expect(dockerOptions({ DOCKER_HOST: 'tcp://[::1]:2375' })).toMatchObject({ host: '::1', port: 2375 });
    const tls = dockerOptions({ DOCKER_HOST: 'tcp://10.0.0.5', DOCKER_TLS_VERIFY: 'true', DOCKER_CERT_PATH: certs });
    expect(tls).toMatchObject({ host: '10.0.0.5', port: 2376, protocol: 'https' });
    expect([tls.ca, tls.cert, tls.key].map(String)).toEqual(['ca.pem\n', 'cert.pem\n', 'key.pem\n']);
  });

  it('looks for the certificates in DOCKER_CONFIG (~/.docker) when DOCKER_CERT_PATH is unset', () => {
    const tls = dockerOptions({ DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CONFIG: certs });
    expect(String(tls.ca)).toBe('ca.pem\n');
  });

  it('says which file is missing, or what is wrong with DOCKER_HOST, instead of throwing', () => {
    const missing = dockerClient({ DOCKER_HOST: 'tcp://10.0.0.5', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: join(dir, 'nowhere') });
    expect(missing).toEqual({ ok: false, reason: `DOCKER_TLS_VERIFY is set but ${join(dir, 'nowhere', 'ca.pem')} cannot be read (ENOENT); set DOCKER_CERT_PATH` });
    expect(dockerClient({ DOCKER_HOST: 'tcp://' })).toMatchObject({ ok: false, reason: expect.stringContaining('is not a Docker host') });
    expect(dockerClient({ DOCKER_HOST: 'ftp://10.0.0.5' })).toEqual({ ok: false, reason: 'DOCKER_HOST="ftp://10.0.0.5": unsupported scheme ftp' });
  });
});
