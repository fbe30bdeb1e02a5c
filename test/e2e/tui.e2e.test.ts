// End to end in a real terminal (tmux): the workbench replays a shipped recording, drills into
// an alert, adds a whitelist entry, and quits with the terminal restored.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { liveGate } from '../helpers/live.js';
import { terminal, tmux, tmuxAvailable } from '../helpers/tmux.js';
import { VIGIL_BIN } from '../helpers/cli.js';

const ready = liveGate('terminal (tmux)', tmuxAvailable);
const session = `vigil-e2e-${process.pid}`;
const recording = fileURLToPath(new URL('../../recordings/demo-kernel-incident.jsonl.gz', import.meta.url));

describe.runIf(ready)('the workbench in a real terminal', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
  afterAll(() => {
    tmux('kill-session', '-t', session);
    rmSync(dir, { recursive: true, force: true });
  });

  const { screen, until, press } = terminal(session);

  it('replays, drills down, whitelists a process, and restores the terminal on quit', async () => {
    const state = join(dir, 'state.json');
    // CI=true as on a CI runner: the workbench must still draw every frame on a terminal.
    const command = `printf 'before vigil\\n'; CI=true ${process.execPath} ${VIGIL_BIN} --replay ${recording} --state ${state}; echo "vigil exited $?"; sleep 60`;
    expect(tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', command).status).toBe(0);
    await until(/REPLAY/, 'the replay status');
    await press('G');
    await until(/ended (\d+)\/\1 /, 'the end of the replay');
    const list = screen();
    expect(list).toMatch(/13 alerts/);
    expect(list).toMatch(/Exploit\s+1\/1/);
    expect(list).toMatch(/vigil health\s+1\/1/);

    // Newest first: the SUID chmod, the dockerd outage, then the miner.
    await press('j');
    await press('j');
    await press('Enter');
    await until(/1 Summary\s+2 Process tree/, 'the drill-down');
    expect(screen()).toMatch(/Container malicious program/);
    await press('2');
    await until(/▶\s+\d+\s+root/, 'the offender in the process tree');
    await press('Escape');
    await press('w');
    await until(/whitelist xmrig for image vigil-test\/busybox:1\? \(y\/n\)/, 'the whitelist confirmation');
    await press('y');
    await until(/whitelisted xmrig/, 'the whitelist message');
    // Back to the start and through again: the entry holds from the start of the pass. It binds
    // the image to a whitelist, so the image's other programs are now abnormal.
    await press('g');
    await press('G');
    expect(await until(/22 alerts/, 'the whitelist applied from the start')).toMatch(/abnormal pr\S*\s+9\/9/);
    await press('q');
    const after = await until(/vigil exited 0/, 'vigil to exit');
    // Back on the main screen: what was there before, and none of the workbench.
    expect(after).toContain('before vigil');
    expect(after).not.toMatch(/REPLAY|Abnormal system behaviour/);
    expect(JSON.parse(readFileSync(state, 'utf8')).whitelist).toEqual([
      expect.objectContaining({ image: 'vigil-test/busybox:1', process: 'xmrig', enabled: true }),
    ]);
  }, 60_000);

  it.each([
    ['Ctrl+C', () => tmux('send-keys', '-t', session, 'C-c')],
    // Anchored on node's own command line: the shell running it in tmux has the same words.
    ['SIGTERM', () => spawnSync('pkill', ['-TERM', '-f', `^${process.execPath} ${VIGIL_BIN} --replay`])],
  ])('restores the terminal when stopped by %s', async (_how, stop) => {
    tmux('kill-session', '-t', session);
    // CI=true as on a CI runner: the workbench must still draw every frame on a terminal.
    const command = `printf 'before vigil\\n'; CI=true ${process.execPath} ${VIGIL_BIN} --replay ${recording} --state ${join(dir, 'term.json')}; echo "vigil exited $?"; sleep 60`;
    expect(tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', command).status).toBe(0);
    await until(/REPLAY/, 'the workbench at 80×24');
    stop();
    const after = await until(/vigil exited 0/, 'vigil to exit');
    expect(after).toContain('before vigil');
    expect(after).not.toMatch(/REPLAY|All alerts/);
  }, 60_000);

  it('keeps an acknowledgement when the same recording is replayed again', async () => {
    const state = join(dir, 'acks.json');
    const open = async () => {
      tmux('kill-session', '-t', session);
      const command = `${process.execPath} ${VIGIL_BIN} --replay ${recording} --state ${state}; echo "vigil exited $?"; sleep 60`;
      expect(tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '30', command).status).toBe(0);
      await until(/REPLAY/, 'the workbench');
      await press('G');
      await until(/ended (\d+)\/\1 /, 'the end of the replay');
    };
    await open();
    expect(screen()).toMatch(/All alerts\s+13\/13/);
    await press('a');
    await until(/All alerts\s+12\/13/, 'the acknowledgement');
    await press('q');
    await until(/vigil exited 0/, 'vigil to exit');
    await open();
    expect(screen()).toMatch(/All alerts\s+12\/13/);
    await press('q');
    await until(/vigil exited 0/, 'vigil to exit');
  }, 60_000);

  it('shows a state file it cannot read as a degraded source and a health alert, and keeps working', async () => {
    tmux('kill-session', '-t', session);
    // A directory where the file should be: unreadable even for root.
    const state = join(dir, 'unreadable-state');
    mkdirSync(state);
    const command = `${process.execPath} ${VIGIL_BIN} --replay ${recording} --state ${state}; echo "vigil exited $?"; sleep 60`;
    expect(tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '30', command).status).toBe(0);
    await until(/● state degraded/, 'the state source degraded in the status line');
    await until(/state: state file \S+ cannot be read \(EISDIR/, 'the reason on the message line');
    await press('G');
    await until(/ended (\d+)\/\1 /, 'the end of the replay');
    expect(screen()).toMatch(/vigil health\s+2\/2/);
    await press('q');
    await until(/vigil exited 0/, 'vigil to exit');
    expect(readdirSync(state)).toEqual([]);
  }, 60_000);
});
