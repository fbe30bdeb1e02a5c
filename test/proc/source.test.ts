// The proc source over a /proc tree captured from this kind of host (test/fixtures/proc) that the
// test then changes between scans: it emits a container process once and then only its changes,
// an exit when the process is gone or its pid was reused, and the host's core_pattern at start
// and when it changes. Host processes are never emitted.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UnsequencedEvent } from '../../src/engine/events.js';
import { ProcSource } from '../../src/sources/proc/source.js';

const TREE = join(import.meta.dirname, '../fixtures/proc/tree');
const CONTAINER_PID = 1660; // busybox nc, pid 1 of a docker container (see capture.sh)

let root: string;
let source: ProcSource;
let events: UnsequencedEvent[];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vigil-proc-source-'));
  cpSync(TREE, root, { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(root, 'sys/kernel'), { recursive: true });
  writeFileSync(join(root, 'sys/kernel/core_pattern'), 'core\n');
  events = [];
  source = new ProcSource({ procRoot: root, intervalMs: 3_600_000 });
  source.start((e) => events.push(e));
});

afterEach(async () => {
  await source.stop();
  rmSync(root, { recursive: true, force: true });
});

/** What one more scan emits, one word each. */
function scan(): string[] {
  events = [];
  source.scan();
  return events.map((e) => (e.kind === 'process.snapshot' ? `snapshot ${e.data.pid} ${e.data.cmdline.join(' ')}` : e.kind === 'process.exit' ? `exit ${e.data.pid} ${e.data.startTime}` : e.kind === 'host.setting' ? `${e.data.name} ${e.data.reason} ${e.data.value}` : e.kind));
}

const proc = (file: string) => join(root, String(CONTAINER_PID), file);

describe('ProcSource', () => {
  it('emits each container process and the core_pattern at the first scan, and nothing while nothing changes', () => {
    const first = events.map((e) => (e.kind === 'process.snapshot' ? `snapshot ${e.data.pid} ${e.data.containerId?.slice(0, 12)}` : e.kind === 'host.setting' ? `${e.data.name} ${e.data.reason} ${e.data.value}` : e.kind));
    expect(first).toEqual([expect.stringMatching(/^snapshot 1660 [0-9a-f]{12}$/), 'kernel.core_pattern startup core']);
    expect(scan()).toEqual([]);
  });

  it('emits a process again when its command line changes (an exec without audit)', () => {
    writeFileSync(proc('cmdline'), 'sh\0-c\0id\0');
    expect(scan()).toEqual(['snapshot 1660 sh -c id']);
  });

  it('reports an exit when the process is gone, and when its pid now holds another process', () => {
    writeFileSync(proc('stat'), '1660 (sh) S 1638 1660 1660 0 -1 4194560 998 0 1 0 2 3 0 0 20 0 1 0 999999 2322432 313 18446744073709551615 4198400 5785993 140737145607600 0 0 0 0 0 0 1 0 0 17 0 0 0 0 0 0 6141704 6178576 1016705024 140737145614266 140737145614281 140737145614281 140737145614320 0\n');
    expect(scan()).toEqual(['exit 1660 157287', 'snapshot 1660 nc -l -p 47010']);
    rmSync(join(root, String(CONTAINER_PID)), { recursive: true });
    expect(scan()).toEqual(['exit 1660 999999']);
  });

  it('emits the core_pattern when it changes', () => {
    writeFileSync(join(root, 'sys/kernel/core_pattern'), '|/var/lib/docker/overlay2/x/diff/tmp/.x %p\n');
    expect(scan()).toEqual(['kernel.core_pattern change |/var/lib/docker/overlay2/x/diff/tmp/.x %p']);
    expect(scan()).toEqual([]);
  });
});
