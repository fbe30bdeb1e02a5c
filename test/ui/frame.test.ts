// Pacing a store's notifications to data frames: the first change shows at once, a burst
// costs one more render at the end of the frame, and nothing fires after unsubscribing.
import { describe, expect, it } from 'vitest';
import { paced } from '../../src/ui/model/frame.js';

function source() {
  const listeners = new Set<() => void>();
  return {
    subscribe: (l: () => void) => (listeners.add(l), () => void listeners.delete(l)),
    change: () => listeners.forEach((l) => l()),
    listeners,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('paced', () => {
  it('notifies the first change at once and a burst once more at the end of the frame', async () => {
    const s = source();
    let calls = 0;
    paced(s.subscribe, 40)(() => calls++);
    s.change();
    expect(calls).toBe(1);
    for (let i = 0; i < 100; i++) s.change();
    expect(calls).toBe(1);
    await sleep(80);
    expect(calls).toBe(2);
  });

  it('stops, pending notification included, when unsubscribed', async () => {
    const s = source();
    let calls = 0;
    const unsubscribe = paced(s.subscribe, 20)(() => calls++);
    s.change();
    s.change();
    unsubscribe();
    await sleep(50);
    expect(calls).toBe(1);
    expect(s.listeners.size).toBe(0);
  });
});
