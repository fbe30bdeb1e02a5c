import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Profile } from '../src/engine/profile.js';
import { compileSignatures } from '../src/engine/signature-match.js';
import type { Signature } from '../src/engine/signatures.js';
import { loadProfile } from '../src/profile/load.js';

const sig = (s: Partial<Signature> & Pick<Signature, 'id'>): Signature => ({ description: `${s.id} sample`, kind: 'malware', ...s });

describe('compileSignatures', () => {
  it('with `any` (the default) matches on one string or regex and lists every one that matched', () => {
    const match = compileSignatures([sig({ id: 'a', strings: ['alpha', 'beta', 'gamma'], regex: ['de+lta'] })]);
    expect(match('alpha … gamma … deeelta', '/x')).toEqual([
      { id: 'a', kind: 'malware', description: 'a sample', matched: ['alpha', 'gamma', 'de+lta'] },
    ]);
    expect(match('beta', '/x')[0]!.matched).toEqual(['beta']);
    expect(match('nothing here', '/x')).toEqual([]);
  });

  it('with `all` matches only when every string and regex does, anywhere and in any order', () => {
    const match = compileSignatures([sig({ id: 'b', strings: ['one'], regex: ['tw[o0]'], condition: 'all' })]);
    expect(match('tw0 … one', '/x')[0]!.matched).toEqual(['one', 'tw[o0]']);
    expect(match('one only', '/x')).toEqual([]);
    expect(match('two only', '/x')).toEqual([]);
  });

  it('matches strings case-sensitively and regexes as JavaScript, with ^ and $ at each line', () => {
    const match = compileSignatures([
      sig({ id: 'case', strings: ['Secret'] }),
      sig({ id: 'line', regex: ['^evil\\.so$'] }),
      sig({ id: 'class', regex: ['\\b[Yy]our files\\b'] }),
    ]);
    expect(match('secret', '/x')).toEqual([]);
    expect(match('Secret', '/x').map((m) => m.id)).toEqual(['case']);
    // A binary's strings, one per line: ^…$ is one whole string.
    expect(match('libc.so.6\nevil.so\nmain', '/x').map((m) => m.id)).toEqual(['line']);
    expect(match('not-evil.so', '/x')).toEqual([]);
    expect(match('your files', '/x').map((m) => m.id)).toEqual(['class']);
  });

  it('applies a signature only to files its path globs match, dot files included and paths normalised', () => {
    const match = compileSignatures([sig({ id: 'web', kind: 'webshell', strings: ['marker'], paths: ['/var/www/**/*.php', '**/*.jsp'] })]);
    expect(match('marker', '/var/www/html/a.php')).toHaveLength(1);
    expect(match('marker', '/var/www/html/.hidden/.x.php')).toHaveLength(1);
    expect(match('marker', '/var//www/./html/../html/a.php')).toHaveLength(1);
    expect(match('marker', '/opt/tomcat/webapps/ROOT/a.jsp')).toHaveLength(1);
    expect(match('marker', '/var/www/html/a.txt')).toEqual([]);
    expect(match('marker', '/srv/a.php')).toEqual([]);
    // No paths: every file.
    expect(compileSignatures([sig({ id: 'any', strings: ['marker'] })])('marker', '/anything/at/all')).toHaveLength(1);
  });

  it('passes kind and severity through, and leaves severity out when the signature has none', () => {
    const match = compileSignatures([
      sig({ id: 'hi', kind: 'miner', severity: 'high', strings: ['x'] }),
      sig({ id: 'none', kind: 'backdoor', strings: ['x'] }),
    ]);
    const [hi, none] = match('x', '/x');
    expect(hi).toMatchObject({ id: 'hi', kind: 'miner', severity: 'high' });
    expect(none).toEqual({ id: 'none', kind: 'backdoor', description: 'none sample', matched: ['x'] });
  });

  it('never matches a signature with neither strings nor regex, whatever its condition', () => {
    const match = compileSignatures([sig({ id: 'empty' }), sig({ id: 'empty-all', condition: 'all', strings: [], regex: [] })]);
    expect(match('anything', '/x')).toEqual([]);
  });
});

describe('profiles/signatures.yaml', () => {
  let profile: Profile;
  let match: (text: string, path: string) => ReturnType<ReturnType<typeof compileSignatures>>;
  beforeAll(async () => {
    profile = await loadProfile();
    match = compileSignatures(profile.signatures);
  });

  const samples = new URL('fixtures/signatures/', import.meta.url);
  const sampleFiles = readdirSync(samples).sort();
  const idOf = (file: string) => file.replace(/\.[^.]+$/, '');

  it('loads and validates through the default profile, with unique ids and a sample for each signature', () => {
    expect(profile.signatures.length).toBeGreaterThanOrEqual(20);
    const ids = profile.signatures.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(sampleFiles.map(idOf).sort()).toEqual([...ids].sort());
    for (const kind of ['miner', 'webshell', 'backdoor', 'ransomware', 'malware']) expect(profile.signatures.some((s) => s.kind === kind)).toBe(true);
  });

  it.each(sampleFiles)('fires on its sample %s', (file) => {
    const hits = match(readFileSync(new URL(file, samples), 'utf8'), `/srv/samples/${file}`);
    expect(hits.map((h) => h.id)).toContain(idOf(file));
  });

  // Ordinary files of this machine: read at test time, absent ones skipped.
  const texts = (paths: string[]) => paths.filter((p) => existsSync(p) && statSync(p).isFile() && statSync(p).size < 1 << 20);
  const listing = (dir: string, filter: (name: string) => boolean = () => true) =>
    existsSync(dir) ? readdirSync(dir).filter(filter).map((name) => `${dir}/${name}`) : [];
  const docs = listing('/usr/share/doc').flatMap((d) => texts([`${d}/copyright`, `${d}/README`, `${d}/README.md`, `${d}/NEWS`]));
  const scripts = texts([
    '/usr/bin/gettext.sh',
    ...listing('/etc/init.d'),
    ...listing('/etc/cron.d'),
    ...listing('/etc/cron.daily'),
    ...listing('/usr/lib/python3.11', (n) => ['os.py', 'subprocess.py', 'shutil.py', 'tarfile.py', 'ssl.py', 'base64.py'].includes(n)),
    ...listing(new URL('../node_modules/picomatch/lib', import.meta.url).pathname),
    ...listing(new URL('../node_modules/yaml/dist', import.meta.url).pathname, (n) => n.endsWith('.js')),
  ]);
  const binaries = texts(['/usr/bin/ls', '/usr/bin/curl', '/usr/bin/wget', '/usr/bin/ssh', '/usr/bin/chattr', '/usr/bin/crontab', '/usr/sbin/cron']);
  // What the files source sends for a binary: printable runs of 6 or more, one per line.
  const printable = (file: string) => (readFileSync(file).toString('latin1').match(/[\x20-\x7e\t]{6,}/g) ?? []).join('\n');

  it('stays quiet on distro documentation, init and cron scripts, standard libraries and node_modules', () => {
    expect(docs.length + scripts.length).toBeGreaterThan(0);
    const noisy = [...docs, ...scripts].flatMap((file) => match(readFileSync(file, 'utf8'), file).map((m) => `${file}: ${m.id}`));
    expect(noisy).toEqual([]);
  });

  it("stays quiet on ordinary programs' strings", () => {
    const noisy = binaries.flatMap((file) => match(printable(file), file).map((m) => `${file}: ${m.id}`));
    expect(noisy).toEqual([]);
  });

  it('stays quiet on the benign webshell look-alikes, deployed to a web directory', () => {
    const dir = new URL('fixtures/webshells/benign/', import.meta.url);
    const noisy = readdirSync(dir).flatMap((file) => match(readFileSync(new URL(file, dir), 'utf8'), `/var/www/html/app/${file}`).map((m) => `${file}: ${m.id}`));
    expect(noisy).toEqual([]);
  });

  it('matches a hostile 256 KiB text against the whole set in well under 100 ms', () => {
    const N = 256 * 1024;
    const fill = (unit: string) => unit.repeat(Math.ceil(N / unit.length)).slice(0, N);
    const units = ['curl ', 'wget http://', '* * * curl | ', '>>', '4A', 'your files ', 'chattr -i ', 'stratum+tcp://a', 'ssh-rsa AAAA', 'x'.repeat(99) + '\n',
      '<cfexecute ', 'eval(Request[', 'pkill xmrig ', 'cd /tmp || cd /var/run ', 'All ', '.onion '];
    for (const unit of units) {
      const text = fill(unit);
      match(text, '/srv/x.php');
      const start = performance.now();
      match(text, '/srv/x.php');
      const elapsed = performance.now() - start;
      expect(elapsed, `${JSON.stringify(unit)}: ${elapsed.toFixed(1)} ms`).toBeLessThan(100);
    }
  });
});
