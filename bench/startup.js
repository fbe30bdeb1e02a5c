// Startup: `vigil --replay FILE` launched in a real terminal (a detached tmux pane, 120×40) until
// the workbench's first frame reaches it. The median of several launches, each a fresh process;
// tmux runs a server of its own, its socket in a temporary directory, so no other session is
// touched and nothing is left behind.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const recording = join(root, 'recordings/demo-kernel-incident.jsonl.gz');
/** The workbench's header: in its first frame, and in nothing vigil writes before it. */
const firstFrame = 'vigil ·';

const quote = (s) => `'${s.replaceAll("'", `'\\''`)}'`;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function startup({ runs = 5, timeoutMs = 20_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-startup-'));
  const tmux = (...args) => spawnSync('tmux', ['-S', join(dir, 'tmux'), ...args], { encoding: 'utf8' });
  const times = [];
  try {
    // A server already up, so each launch pays for vigil and not for starting tmux; a pane whose
    // program dies stays, with what it printed.
    const server = tmux('new-session', '-d', '-s', 'idle', '-x', '120', '-y', '40', 'sleep 3600');
    if (server.status !== 0) throw new Error(`startup needs tmux: ${server.error?.message ?? server.stderr}`);
    tmux('set-option', '-g', 'remain-on-exit', 'on');
    for (let run = 0; run < runs; run++) {
      const session = `run${run}`;
      const log = join(dir, `${session}.out`);
      // A state file of its own: the operator's acknowledgements stay out of it.
      const command = [process.execPath, join(root, 'bin/vigil.js'), '--replay', recording, '--state', join(dir, 'state.json')].map(quote).join(' ');
      const start = performance.now();
      tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', command);
      // Everything the pane receives, copied to a file as tmux reads it: watching it costs vigil
      // nothing, where polling capture-pane (a process each time) took a core from it on a
      // two-core machine and doubled the figure. Node alone takes ~100 ms before vigil can write
      // a byte, so the copy starts before anything is missed.
      tmux('pipe-pane', '-t', session, `cat > ${quote(log)}`);
      await until(() => received(log).includes(firstFrame), timeoutMs, () => `no workbench frame after ${timeoutMs} ms:\n${screen(tmux, session)}`);
      times.push(performance.now() - start);
      // And it is what the terminal shows.
      await until(() => screen(tmux, session).includes(firstFrame), timeoutMs, () => `the frame never showed:\n${screen(tmux, session)}`);
      tmux('kill-session', '-t', session);
    }
  } finally {
    tmux('kill-server');
    rmSync(dir, { recursive: true, force: true });
  }
  return { startupMs: Math.round(median(times)), startupMaxMs: Math.round(Math.max(...times)) };
}

const screen = (tmux, session) => tmux('capture-pane', '-p', '-t', session).stdout.trimEnd();

async function until(done, timeoutMs, failure) {
  const end = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > end) throw new Error(failure());
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** What the pane has received so far ('' until tmux has opened the copy). */
function received(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
