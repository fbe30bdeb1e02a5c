// Builds the syscall probes (test/probes/*.c, see the README there) into static binaries, which
// run in any container whatever its libc: `docker run -v <dir>:/probes:ro IMAGE /probes/<name>`.
// The build directory is named by a hash of the sources, so reruns and parallel test files reuse
// one build, and an edited probe gets a fresh one.
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const SOURCES = new URL('../probes/', import.meta.url).pathname;
const run = promisify(execFile);

/** For liveGate: whether gcc can be run at all (static linking also needs libc's .a files). */
export function gccAvailable(): { ok: boolean; reason: string } {
  const r = spawnSync('gcc', ['--version'], { stdio: 'ignore' });
  return r.error || r.status !== 0 ? { ok: false, reason: 'gcc is not installed: the syscall probes cannot be built' } : { ok: true, reason: '' };
}

/** Compiles every probe with `gcc -static -O1` and returns the directory of the binaries. */
export async function buildProbes(): Promise<string> {
  const gcc = gccAvailable();
  if (!gcc.ok) throw new Error(`${gcc.reason} (Debian: apt-get install gcc libc6-dev)`);
  const files = readdirSync(SOURCES).filter((f) => f.endsWith('.c') || f.endsWith('.h')).sort();
  const hash = createHash('sha256').update(process.arch);
  for (const f of files) hash.update(`\0${f}\0`).update(readFileSync(join(SOURCES, f)));
  const dir = join(tmpdir(), `vigil-probes-${hash.digest('hex').slice(0, 16)}`);
  // The directory only ever appears complete (renamed into place below), so existing means built.
  if (existsSync(dir)) return dir;

  const work = mkdtempSync(`${dir}.build-`);
  try {
    await Promise.all(
      files
        .filter((f) => f.endsWith('.c'))
        .map(async (f) => {
          try {
            await run('gcc', ['-static', '-O1', '-Wall', '-o', join(work, f.slice(0, -2)), join(SOURCES, f)], { timeout: 120_000 });
          } catch (err) {
            throw new Error(`gcc -static failed for test/probes/${f}: ${(err as { stderr?: string }).stderr || (err as Error).message}`);
          }
        }),
    );
    // mkdtemp makes it 0700: a container running as another user (--user 1000) must read it too.
    chmodSync(work, 0o755);
    renameSync(work, dir);
  } catch (err) {
    rmSync(work, { recursive: true, force: true });
    // Another test process finished the same build first: use theirs.
    if (existsSync(dir)) return dir;
    throw err;
  }
  return dir;
}
