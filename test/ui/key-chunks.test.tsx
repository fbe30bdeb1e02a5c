// Several keys in one read (auto-repeat over a slow link, tmux send-keys -l, a paste) come out of
// keypresses one by one, as Ink reports each key read alone; escape sequences stay whole.
import { Text, useInput, type Key } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keyName, keypresses } from '../../src/ui/keymap.js';

const plain = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
} satisfies Key;
const names = (input: string, key: Key = plain) => keypresses(input, key).map((k) => keyName(k.input, k.key));

describe('keypresses', () => {
  it('splits a run of plain keys, control keys included, by code point', () => {
    expect(names('jjj')).toEqual(['j', 'j', 'j']);
    expect(names('+ G')).toEqual(['+', 'space', 'G']);
    expect(names('ab\r')).toEqual(['a', 'b', 'return']);
    expect(names('x\x03')).toEqual(['x', 'ctrl+c']);
    expect(names('é😀')).toEqual(['é', '😀']);
    const [del, bs, tab] = keypresses('\x7f\b\t', plain);
    expect([del!.key.delete, bs!.key.backspace, tab!.key.tab]).toEqual([true, true, true]);
    expect(keypresses('jG', plain)[1]!.key.shift).toBe(true);
  });

  it('keeps a single key, a named key and the rest of an unnamed escape sequence whole', () => {
    expect(names('j')).toEqual(['j']);
    expect(names('', { ...plain, downArrow: true })).toEqual(['down']);
    expect(names('j', { ...plain, meta: true })).toEqual(['j']);
    // F13 and focus-in, their ESC stripped by Ink: split, they would run `[`, `2`…
    expect(keypresses('[25~', plain)).toHaveLength(1);
    expect(keypresses('[I', plain)).toHaveLength(1);
    expect(keypresses('OP', plain)).toHaveLength(1);
    // Auto-repeated brackets are keys.
    expect(names('[[')).toEqual(['[', '[']);
    expect(names(']]]')).toEqual([']', ']', ']']);
  });
});

describe('through Ink', () => {
  const unmounts: (() => void)[] = [];
  afterEach(() => {
    while (unmounts.length) unmounts.pop()!();
  });

  it('turns one read of arrows, PgDn, letters, Enter and an unknown sequence into its keys, in order', async () => {
    const seen: string[] = [];
    function Probe() {
      useInput((input, key) => {
        for (const k of keypresses(input, key)) seen.push(keyName(k.input, k.key));
      });
      return <Text>ready</Text>;
    }
    const app = render(<Probe />);
    unmounts.push(app.unmount);
    await vi.waitFor(() => expect(app.lastFrame()).toContain('ready'));
    await new Promise((r) => setTimeout(r, 20));
    app.stdin.write('\x1b[Bj\x1b[6~jj\r\x1b[25~++\x1b[A');
    await vi.waitFor(() => expect(seen).toEqual(['down', 'j', 'pagedown', 'j', 'j', 'return', '[25~', '+', '+', 'up']));
  });
});
