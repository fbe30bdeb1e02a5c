import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileError, loadProfile } from '../src/profile/load.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-profile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a profile into the temp directory and returns its path. */
async function profileFile(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

/** The ProfileError message loadProfile throws for `file`. */
async function errorOf(file: string): Promise<string> {
  const err: unknown = await loadProfile(file).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProfileError);
  return (err as ProfileError).message;
}

describe('loadProfile', () => {
  it('loads the shipped default', async () => {
    const profile = await loadProfile();
    expect(profile.enforce).toBe(false);
    expect(profile.blockedImages).toEqual([]);
    expect(profile.processWhitelist).toEqual({});
    expect(profile.mounts.benign).toContain('/etc/hosts');
    expect(profile.mounts.dangerous).toContain('/etc/**');
    expect(profile.mounts.runtimeSockets).toContain('/var/run/docker.sock');
    expect(profile.capabilities.default).toContain('NET_BIND_SERVICE');
    expect(profile.capabilities.highRisk).toContain('SYS_ADMIN');
    expect(profile.namespaces.host).toMatchObject({ pid: 'high', network: 'medium' });
  });

  it('merges mappings key by key and replaces lists and scalars', async () => {
    const base = await loadProfile();
    const file = await profileFile(
      'merge.yaml',
      [
        'enforce: true',
        'processWhitelist:',
        '  nginx:*: [nginx]',
        'mounts:',
        '  allow: [/srv/data/**]',
        'capabilities:',
        '  highRisk: [SYS_ADMIN]',
        'namespaces:',
        '  host:',
        '    pid: critical',
        '',
      ].join('\n'),
    );
    const profile = await loadProfile(file);
    expect(profile.enforce).toBe(true);
    expect(profile.processWhitelist).toEqual({ 'nginx:*': ['nginx'] });
    expect(profile.mounts.allow).toEqual(['/srv/data/**']);
    // Siblings the user did not mention keep the default.
    expect(profile.mounts.dangerous).toEqual(base.mounts.dangerous);
    expect(profile.mounts.benign).toEqual(base.mounts.benign);
    expect(profile.capabilities.highRisk).toEqual(['SYS_ADMIN']);
    expect(profile.capabilities.default).toEqual(base.capabilities.default);
    expect(profile.namespaces.host).toEqual({ ...base.namespaces.host, pid: 'critical' });
  });

  it('reads JSON profiles', async () => {
    const file = await profileFile(
      'profile.json',
      JSON.stringify({ blockedImages: ['xmrig/*'], mounts: { allow: ['/data'] } }, null, 2),
    );
    const profile = await loadProfile(file);
    expect(profile.blockedImages).toEqual(['xmrig/*']);
    expect(profile.mounts.allow).toEqual(['/data']);
  });

  it('reports JSON problems with their line', async () => {
    const file = await profileFile('bad.json', JSON.stringify({ mounts: { allow: ['/data'], alow: [] } }, null, 2));
    expect(await errorOf(file)).toBe(`${file}:6: unknown key 'mounts.alow'`);
  });

  it('refuses what cannot be a profile without reading it: a device, a file larger than any profile', async () => {
    expect(await errorOf('/dev/zero')).toBe('profile /dev/zero: not a regular file');
    const huge = await profileFile('huge.yaml', '');
    await truncate(huge, 17 * 1024 * 1024);
    expect(await errorOf(huge)).toBe(`profile ${huge}: larger than 16 MiB: not a profile`);
  });

  it('reports an unknown top-level key with file and line', async () => {
    const file = await profileFile('top.yaml', '# comment\nenforce: false\nblockImages: []\n');
    expect(await errorOf(file)).toBe(`${file}:3: unknown key 'blockImages'`);
  });

  it('reports an unknown nested key with its dotted path and line', async () => {
    const file = await profileFile(
      'nested.yaml',
      ['enforce: false', 'mounts:', '  allow:', '    - /srv', '  # typo below', '', '  alow: []', ''].join('\n'),
    );
    expect(await errorOf(file)).toBe(`${file}:7: unknown key 'mounts.alow'`);
  });

  it('reports an unknown namespace kind', async () => {
    const file = await profileFile('ns.yaml', 'namespaces:\n  host:\n    mnt: high\n');
    expect(await errorOf(file)).toBe(`${file}:3: unknown key 'namespaces.host.mnt'`);
  });

  it('reports wrong types with the line, in plain words', async () => {
    const file = await profileFile(
      'types.yaml',
      [
        'blockedImages: evil/*',
        'processWhitelist:',
        '  nginx:',
        '    - nginx',
        '    - 42',
        'enforce: "yes"',
        'namespaces:',
        '  host:',
        '    pid: severe',
        'mounts:',
        '',
      ].join('\n'),
    );
    expect((await errorOf(file)).split('\n')).toEqual([
      `${file}:1: 'blockedImages' must be a list of strings, got string`,
      `${file}:5: 'processWhitelist.nginx[1]' must be a string, got number`,
      `${file}:6: 'enforce' must be a boolean, got string`,
      `${file}:9: 'namespaces.host.pid' must be one of critical, high, medium, low, off, got 'severe'`,
      `${file}:10: 'mounts' must be a mapping, got null`,
    ]);
  });

  it('reports YAML syntax errors with the line', async () => {
    const file = await profileFile('syntax.yaml', 'enforce: false\nblockedImages: [a, b\nmounts: {}\n');
    expect(await errorOf(file)).toMatch(new RegExp(`^${escape(file)}:3: YAML syntax error: `));
  });

  it('reports duplicate keys as YAML errors', async () => {
    const file = await profileFile('dup.yaml', 'enforce: false\nenforce: true\n');
    expect(await errorOf(file)).toMatch(new RegExp(`^${escape(file)}:2: YAML syntax error: .*unique`));
  });

  it('rejects a top level that is not a mapping', async () => {
    const file = await profileFile('list.yaml', '# comment\n- enforce\n');
    expect(await errorOf(file)).toBe(`${file}:2: a profile must be a mapping of settings, got list`);
  });

  it('reports a missing file', async () => {
    const file = join(dir, 'missing.yaml');
    expect(await errorOf(file)).toBe(`cannot read profile ${file}: no such file or directory (ENOENT)`);
  });

  it('treats an empty file as no overrides', async () => {
    const base = await loadProfile();
    expect(await loadProfile(await profileFile('empty.yaml', ''))).toEqual(base);
    expect(await loadProfile(await profileFile('comments.yaml', '# nothing yet\n'))).toEqual(base);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
