// Live: real sshd, nginx and PostgreSQL on 127.0.0.1, logged in to with wrong then right
// passwords; their own log files, run through the parsers, must show exactly those attempts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthService } from '../../src/engine/events.js';
import { createAuthParser, type AuthOutcome } from '../../src/sources/logs/parse/index.js';
import { liveGate } from '../helpers/live.js';
import { freePort, httpGet, psqlLogin, serversAvailable, sshLogin, startNginx, startPostgres, startSshd, TEST_PASSWORD, TEST_USER } from '../helpers/servers.js';

const live = liveGate('authentication servers (sshd, nginx, postgresql)', serversAvailable);
const WRONG = 3;
let dir: string;

function parseLog(service: AuthService, logFile: string): AuthOutcome[] {
  const parser = createAuthParser(service, { webLoginPaths: ['/login'] });
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .flatMap((line) => parser.parse(line) ?? []);
}

const expected = (user: string): AuthOutcome[] => [
  ...Array.from({ length: WRONG }, (): AuthOutcome => ({ outcome: 'failure', sourceIp: '127.0.0.1', user })),
  { outcome: 'success', sourceIp: '127.0.0.1', user },
];

describe.runIf(live)('authentication log parsers on real servers, live', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-auth-live-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('sshd: each wrong password is one failure, then the login succeeds', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const sshd = await startSshd(dir, { port });
    try {
      for (let i = 0; i < WRONG; i++) expect(await sshLogin(port, TEST_USER, `wrong-${i}`)).toBe(false);
      expect(await sshLogin(port, TEST_USER, TEST_PASSWORD)).toBe(true);
    } finally {
      await sshd.stop();
    }
    expect(parseLog('ssh', sshd.logFile)).toEqual(expected(TEST_USER));
  });

  it('nginx: each rejected basic-auth request is one failure, then the accepted one succeeds', async () => {
    const port = await freePort();
    const nginx = await startNginx(dir, { port });
    try {
      for (let i = 0; i < WRONG; i++) expect(await httpGet(port, '/', TEST_USER, `wrong-${i}`)).toBe(401);
      expect(await httpGet(port, '/', TEST_USER, TEST_PASSWORD)).toBe(200);
      expect(await httpGet(port, '/login')).toBe(200); // the form itself, and a miss: no outcome
      expect(await httpGet(port, '/missing', TEST_USER, TEST_PASSWORD)).toBe(404);
    } finally {
      await nginx.stop();
    }
    expect(parseLog('web', nginx.logFile)).toEqual(expected(TEST_USER));
  });

  it('postgresql: each wrong password is one failure from the connection host, then the login succeeds', async () => {
    const port = await freePort();
    const postgres = await startPostgres(dir, { port });
    try {
      for (let i = 0; i < WRONG; i++) expect(psqlLogin(port, TEST_USER, `wrong-${i}`)).toBe(false);
      expect(psqlLogin(port, TEST_USER, TEST_PASSWORD)).toBe(true);
    } finally {
      await postgres.stop();
    }
    expect(parseLog('postgresql', postgres.logFile)).toEqual(expected(TEST_USER));
  });
});
