// Planting bait inside a container's root: a container owner who turns the bait's directories
// (or the bait itself) into links to host paths gets no file written on the host.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { plantBait } from '../../src/sources/files/bait.js';

const parent = mkdtempSync(join(tmpdir(), 'vigil-bait-'));
let root: string;
let hostEtc: string;
let n = 0;

beforeEach(() => {
  n++;
  root = join(parent, `merged-${n}`);
  hostEtc = join(parent, `host-etc-${n}`);
  mkdirSync(root);
  mkdirSync(hostEtc);
});

afterAll(() => rmSync(parent, { recursive: true, force: true }));

const bait = (path: string) => plantBait({ path: join(root, path), root });

describe('plantBait', () => {
  it('creates the bait and its directories inside the container, once', async () => {
    expect(await bait('root/.vigil-bait/accounts-2024.xlsx')).toBe(true);
    expect(readFileSync(join(root, 'root/.vigil-bait/accounts-2024.xlsx'), 'utf8')).toMatch(/^Account,Owner,Balance\n/);
    // Already there: left as it is (a touched bait is what the rules look for).
    writeFileSync(join(root, 'root/.vigil-bait/accounts-2024.xlsx'), 'changed');
    expect(await bait('root/.vigil-bait/accounts-2024.xlsx')).toBe(false);
    expect(readFileSync(join(root, 'root/.vigil-bait/accounts-2024.xlsx'), 'utf8')).toBe('changed');
  });

  it("writes nothing on the host when the container's /root is an absolute link (to the host's /etc, seen from the host)", async () => {
    symlinkSync(hostEtc, join(root, 'root'));
    expect(await bait('root/.vigil-bait/accounts-2024.xlsx')).toBe(false);
    expect(readdirSync(hostEtc)).toEqual([]);
  });

  it('writes nothing through a relative link, a linked bait directory or a link at the bait itself', async () => {
    mkdirSync(join(root, 'var/tmp'), { recursive: true });
    symlinkSync(relative(join(root, 'var'), hostEtc), join(root, 'var/lib'));
    mkdirSync(join(root, 'root'));
    symlinkSync(hostEtc, join(root, 'root/.vigil-bait'));
    mkdirSync(join(root, 'srv/.vigil-bait'), { recursive: true });
    symlinkSync(join(hostEtc, 'cron-job'), join(root, 'srv/.vigil-bait/keys.docx'));
    for (const path of ['var/lib/.vigil-bait/keys.docx', 'root/.vigil-bait/accounts-2024.xlsx', 'srv/.vigil-bait/keys.docx']) {
      expect(await bait(path), path).toBe(false);
    }
    expect(readdirSync(hostEtc)).toEqual([]);
    // The way the link does not lead is still open.
    expect(await bait('var/tmp/.vigil-bait/keys.docx')).toBe(true);
  });
});
