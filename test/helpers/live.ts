// Live tests run against the real dockerd. Without it they skip with a clear message, unless
// VIGIL_REQUIRE_LIVE=1 (CI), where a missing component is a failure, not a skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, mkdirSync, copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const requireLive = process.env.VIGIL_REQUIRE_LIVE === '1';
export const TEST_IMAGE = 'vigil-test/busybox:1';

export function dockerAvailable(): { ok: boolean; reason: string } {
  const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return { ok: false, reason: `docker CLI not runnable: ${r.error.message}` };
  if (r.status !== 0) return { ok: false, reason: `dockerd not reachable: ${(r.stderr || '').trim().split('\n')[0]}` };
  return { ok: true, reason: '' };
}

/** Decides whether a live suite runs: true to run, false to skip (after saying why). */
export function liveGate(what: string, check: () => { ok: boolean; reason: string }): boolean {
  const { ok, reason } = check();
  if (ok) return true;
  if (requireLive) throw new Error(`VIGIL_REQUIRE_LIVE=1 but ${what} is unavailable: ${reason}`);
  console.warn(`skipping live ${what} tests: ${reason} (set VIGIL_REQUIRE_LIVE=1 to make this a failure)`);
  return false;
}

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 }).trim();
}

/** Builds the busybox-static test image when it is missing (no registry is reachable). */
export function ensureTestImage(): void {
  ensureImage(TEST_IMAGE, {}, ['sh', 'sleep', 'cat', 'ls', 'echo', 'id', 'nc', 'ps']);
}

/**
 * Builds (once) a busybox-static image with the given applets linked (default: all of them) and
 * the given files, e.g. an image with its own account files and web content. Returns the tag.
 */
export function ensureImage(tag: string, files: Record<string, string>, applets?: string[]): string {
  if (spawnSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' }).status === 0) return tag;
  const busybox = ['/usr/bin/busybox', '/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('busybox-static is not installed (apt-get install busybox-static)');
  const root = mkdtempSync(join(tmpdir(), 'vigil-image-'));
  try {
    mkdirSync(join(root, 'bin'));
    copyFileSync(busybox, join(root, 'bin', 'busybox'));
    const linked = applets ?? execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter((a) => a && a !== 'busybox');
    for (const applet of linked) symlinkSync('busybox', join(root, 'bin', applet));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(root, dirname(path)), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    const tar = execFileSync('tar', ['-C', root, '-c', '.'], { maxBuffer: 64 * 1024 * 1024 });
    const imp = spawnSync('docker', ['import', '-c', 'ENV PATH=/bin', '-', tag], { input: tar });
    if (imp.status !== 0) throw new Error(`docker import failed: ${imp.stderr}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return tag;
}

/** Removes every container whose name starts with the prefix. */
export function removeContainers(prefix: string): void {
  const ids = docker('ps', '-aq', '--filter', `name=^/${prefix}`).split('\n').filter(Boolean);
  if (ids.length > 0) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
}
