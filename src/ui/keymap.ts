// Every key binding in one table: named commands -> keys, per screen. The help screen is
// generated from it, so what `?` shows is what the keys do.
import type { Key } from 'ink';

export type Screen = 'list' | 'detail' | 'whitelist' | 'help' | 'filter' | 'confirm';

export interface Binding {
  command: string;
  keys: string[];
  help: string;
  screens: Screen[] | 'all';
  /** Only in replay, or only live. */
  mode?: 'replay' | 'live';
}

export const keymap: readonly Binding[] = [
  { command: 'nav.up', keys: ['up', 'k'], help: 'move up', screens: ['list', 'whitelist', 'detail'] },
  { command: 'nav.down', keys: ['down', 'j'], help: 'move down', screens: ['list', 'whitelist', 'detail'] },
  { command: 'nav.pageUp', keys: ['pageup'], help: 'page up', screens: ['list', 'detail', 'whitelist'] },
  { command: 'nav.pageDown', keys: ['pagedown'], help: 'page down', screens: ['list', 'detail', 'whitelist'] },
  { command: 'tree.up', keys: ['['], help: 'previous category/rule in the tree', screens: ['list'] },
  { command: 'tree.down', keys: [']'], help: 'next category/rule in the tree', screens: ['list'] },
  { command: 'list.follow', keys: ['f'], help: 'follow the newest alert', screens: ['list'] },
  { command: 'list.open', keys: ['return'], help: 'open the alert', screens: ['list'] },
  { command: 'list.filter', keys: ['/'], help: 'filter by text (rule, container, image, command, user)', screens: ['list'] },
  { command: 'list.severity', keys: ['s'], help: 'cycle the minimum severity', screens: ['list'] },
  { command: 'alert.ack', keys: ['a'], help: 'acknowledge the alert', screens: ['list', 'detail'] },
  { command: 'alert.whitelist', keys: ['w'], help: "add the alert's process to its image's whitelist", screens: ['list', 'detail'] },
  { command: 'alert.export', keys: ['e'], help: 'export the alert (Markdown + JSON)', screens: ['list', 'detail'] },
  { command: 'alert.exportAll', keys: ['E'], help: 'export all visible alerts', screens: ['list'] },
  { command: 'detail.prevTab', keys: ['left'], help: 'previous tab', screens: ['detail'] },
  { command: 'detail.nextTab', keys: ['right'], help: 'next tab', screens: ['detail'] },
  { command: 'detail.tab', keys: ['1', '2', '3', '4', '5', '6'], help: 'go to tab 1–6', screens: ['detail'] },
  { command: 'whitelist.open', keys: ['W'], help: 'the whitelist screen', screens: ['list', 'detail'] },
  { command: 'whitelist.toggle', keys: ['space'], help: 'enable/disable the entry', screens: ['whitelist'] },
  { command: 'whitelist.delete', keys: ['d'], help: 'delete the entry', screens: ['whitelist'] },
  { command: 'whitelist.undo', keys: ['u'], help: 'undo the last change', screens: ['whitelist'] },
  { command: 'record.toggle', keys: ['R'], help: 'start/stop recording to recordings/', screens: ['list', 'detail'], mode: 'live' },
  { command: 'replay.pause', keys: ['space'], help: 'pause/resume the replay', screens: ['list', 'detail'], mode: 'replay' },
  { command: 'replay.faster', keys: ['+', '='], help: 'replay faster', screens: ['list', 'detail'], mode: 'replay' },
  { command: 'replay.slower', keys: ['-'], help: 'replay slower', screens: ['list', 'detail'], mode: 'replay' },
  { command: 'replay.step', keys: ['.'], help: 'one event (paused)', screens: ['list', 'detail'], mode: 'replay' },
  { command: 'replay.nextAlert', keys: ['n'], help: 'jump to the next alert', screens: ['list', 'detail'], mode: 'replay' },
  { command: 'replay.prevAlert', keys: ['N'], help: 'jump to the previous alert', screens: ['list', 'detail'], mode: 'replay' },
  { command: 'replay.start', keys: ['g'], help: 'back to the start', screens: ['list'], mode: 'replay' },
  { command: 'replay.end', keys: ['G'], help: 'to the end', screens: ['list'], mode: 'replay' },
  { command: 'app.help', keys: ['?'], help: 'this help', screens: ['list', 'detail', 'whitelist'] },
  { command: 'app.back', keys: ['escape', 'q'], help: 'back; quit from the alert list', screens: 'all' },
  { command: 'app.quit', keys: ['ctrl+c'], help: 'quit', screens: 'all' },
];

/** The name of a keypress as the keymap writes it. */
export function keyName(input: string, key: Key): string {
  if (key.ctrl && input) return `ctrl+${input}`;
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.return) return 'return';
  if (key.escape) return 'escape';
  if (input === ' ') return 'space';
  return input;
}

/** One key, as Ink's useInput reports a key read on its own. */
export interface Keypress {
  input: string;
  key: Key;
}

const plain: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};

// What is left of an escape sequence Ink has no name for (F13 "\x1b[25~", focus in "\x1b[I"): Ink
// strips the ESC, so it reads like typed text, but it is one key; split, "[25~" would run `[`, `2`…
const unnamedSequence = /^(?:\[\[?[0-?]*[ -/]*[A-Za-z~]|O[A-Za-z])$/;

/**
 * The keys in one useInput call, in order. Ink splits a read at escape sequences (so arrows and
 * PgUp/PgDn sent together already come one by one) but hands the plain keys between them over as
 * one `input` ("jjj", "agent\r"): key auto-repeat over a slow link, tmux send-keys, a paste. Each
 * key comes out as Ink reports that key read alone.
 */
export function keypresses(input: string, key: Key): Keypress[] {
  const chars = [...input];
  const named = key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown || key.home || key.end
    || key.return || key.escape || key.ctrl || key.meta || key.tab || key.backspace || key.delete;
  if (chars.length < 2 || named || unnamedSequence.test(input)) return [{ input, key }];
  return chars.map(plainKey);
}

// Ink's parseKeypress and useInput for a single character (not exported by Ink).
function plainKey(ch: string): Keypress {
  switch (ch) {
    case '\r':
      return { input: ch, key: { ...plain, return: true } };
    case '\t':
      return { input: ch, key: { ...plain, tab: true } };
    case '\b':
      return { input: '', key: { ...plain, backspace: true } };
    case '\x7f':
      return { input: '', key: { ...plain, delete: true } };
    case '\n':
      return { input: ch, key: plain };
  }
  if (ch <= '\x1a') return { input: String.fromCharCode(ch.charCodeAt(0) + 96), key: { ...plain, ctrl: true } };
  return { input: ch, key: /^[A-Z]$/.test(ch) ? { ...plain, shift: true } : plain };
}

/** The command a key runs on a screen, in a mode. */
export function commandFor(name: string, screen: Screen, mode: 'replay' | 'live'): string | undefined {
  return keymap.find(
    (b) => b.keys.includes(name) && (b.screens === 'all' || b.screens.includes(screen)) && (b.mode === undefined || b.mode === mode),
  )?.command;
}
