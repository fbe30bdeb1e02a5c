// The bounded structures behind the engine's state: a map of recent keys, and the one-pass
// union test that rejects command lines before their patterns are tried one by one.
import { describe, expect, it } from 'vitest';
import { compileUnion } from '../src/engine/match.js';
import { RecentMap } from '../src/engine/recent-map.js';

describe('RecentMap', () => {
  it('keeps at most its maximum, and keeps the keys in use', () => {
    const m = new RecentMap<number, number>(100);
    m.set(-1, -1);
    for (let i = 0; i < 10_000; i++) {
      m.set(i, i);
      expect(m.get(-1)).toBe(-1); // used all along: never dropped
      expect(m.size).toBeLessThanOrEqual(100);
    }
    expect(m.get(9_999)).toBe(9_999);
    expect(m.get(0)).toBeUndefined();
  });

  it('replaces values across its generations', () => {
    const m = new RecentMap<string, string>(4);
    m.set('a', '1');
    m.set('b', '2'); // 'a' and 'b' move to the old generation
    m.set('a', '3');
    expect(m.get('a')).toBe('3');
    expect(m.get('b')).toBe('2');
    expect(m.has('c')).toBe(false);
  });
});

describe('compileUnion', () => {
  const patterns = ['\\b(curl|wget)\\b[^|]*\\|\\s*sh\\b', '(^|;\\s*)nsenter\\s', 'history\\s+-c'];

  it('answers exactly as the patterns one by one would', () => {
    const any = compileUnion(patterns);
    const texts = ['curl -s http://x | sh', 'sh -c nsenter -t 1 -m', 'ls; nsenter --all', 'echo history -c', 'curl -o x http://y', 'git rev-parse HEAD', ''];
    for (const text of texts) expect(any(text)).toBe(patterns.some((p) => new RegExp(p).test(text)));
  });

  it('matches nothing when there are no patterns, and defers to the patterns when no union can be formed', () => {
    expect(compileUnion([])('anything')).toBe(false);
    expect(compileUnion(['(a)\\1', 'b'])('zzz')).toBe(true); // a backreference would be renumbered in a union
    expect(compileUnion(['(?<x>a)', '(?<x>b)'])('zzz')).toBe(true); // one group name twice
  });

  it('honours flags', () => {
    expect(compileUnion(['xmrig'], 'i')('/tmp/XMRig --donate-level 1')).toBe(true);
    expect(compileUnion(['xmrig'])('/tmp/XMRig')).toBe(false);
  });
});
