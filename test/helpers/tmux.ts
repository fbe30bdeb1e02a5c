// A real terminal for end-to-end tests: a detached tmux session, read with capture-pane and
// typed into with send-keys, waiting for content instead of sleeping.
import { spawnSync } from 'node:child_process';

export const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });

export function tmuxAvailable(): { ok: boolean; reason: string } {
  return spawnSync('tmux', ['-V']).status === 0 ? { ok: true, reason: '' } : { ok: false, reason: 'tmux is not installed' };
}

export function terminal(session: string, timeoutMs = 20_000) {
  const screen = () => tmux('capture-pane', '-t', session, '-p').stdout;
  return {
    screen,
    async until(pattern: RegExp, what: string): Promise<string> {
      const end = Date.now() + timeoutMs;
      while (!pattern.test(screen())) {
        if (Date.now() > end) throw new Error(`the terminal never showed ${what}:\n${screen()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      return screen();
    },
    /** One key per write: Ink reads a chunk of several keys as one input. */
    async press(key: string): Promise<void> {
      tmux('send-keys', '-t', session, key);
      await new Promise((r) => setTimeout(r, 300));
    },
  };
}
