// The file- and log-based rules over hand-built events: ransomware bursts, notes and bait,
// protected files, brute force attempts and successes, and the account rule's wiring.
import { beforeAll, describe, expect, it } from 'vitest';
import type { VigilEvent } from '../../src/engine/events.js';
import type { Profile } from '../../src/engine/profile.js';
import { loadProfile } from '../../src/profile/load.js';
import { runEngine, snapshotEvent, snapshotFixture } from '../helpers/engine.js';

let profile: Profile;
beforeAll(async () => {
  profile = await loadProfile();
});

const container = snapshotFixture('hardened', { id: 'c0ffee', name: 'app', image: 'shop/api:2.1' });
type FileChange = Extract<VigilEvent, { kind: 'file.change' }>['data'];
type Auth = Extract<VigilEvent, { kind: 'auth' }>['data'];

let seq = 1;
const at = (second: number) => new Date(Date.parse('2026-11-27T10:00:00Z') + second * 1000).toISOString();
const file = (second: number, data: Partial<FileChange> & Pick<FileChange, 'path' | 'action'>): VigilEvent => ({
  seq: ++seq,
  ts: at(second),
  source: 'files',
  kind: 'file.change',
  data: { containerId: container.id, size: 4096, stat: { mode: '100644', uid: 0, gid: 0 }, ...data },
});
const auth = (second: number, data: Partial<Auth> & Pick<Auth, 'outcome'>): VigilEvent => ({
  seq: ++seq,
  ts: at(second),
  source: 'logs',
  kind: 'auth',
  data: { service: 'ssh', sourceIp: '203.0.113.9', user: 'root', origin: '/var/log/auth.log', line: 'sshd: …', ...data },
});
const run = (events: VigilEvent[], p = profile) => runEngine([snapshotEvent(container), ...events], p).alerts;
const ofRule = (events: VigilEvent[], rule: string, p = profile) => run(events, p).filter((a) => a.ruleId === rule);

describe('malware.ransomware', () => {
  const renames = (n: number, ext: string, spacing = 0.1) =>
    Array.from({ length: n }, (_, i) => file(i * spacing, { path: `/data/doc-${i}.${ext}`, previousPath: `/data/doc-${i}.docx`, action: 'renamed' }));

  it('fires once on a burst of renames to an unknown extension', () => {
    const alerts = ofRule(renames(40, 'lockbit'), 'malware.ransomware');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.evidence).toMatchObject({ sign: 'rename-burst', count: 20, extensions: ['lockbit'] });
    expect(alerts[0]!.events).toHaveLength(20);
  });

  it('stays quiet on renames to known extensions, log rotation, and renames spread beyond the window', () => {
    expect(ofRule(renames(40, 'bak'), 'malware.ransomware')).toEqual([]);
    const rotation = Array.from({ length: 40 }, (_, i) => file(i * 0.1, { path: `/var/log/app.log.${i + 1}`, previousPath: '/var/log/app.log', action: 'renamed' }));
    expect(ofRule(rotation, 'malware.ransomware')).toEqual([]);
    expect(ofRule(renames(40, 'lockbit', 2), 'malware.ransomware')).toEqual([]);
  });

  it('fires on high-entropy rewrites, not on compressed files or a package cache filling up', () => {
    const rewrites = Array.from({ length: 25 }, (_, i) => file(i * 0.2, { path: `/data/r${i}.txt`, action: 'modified', entropy: 7.98 }));
    expect(ofRule(rewrites, 'malware.ransomware').map((a) => a.evidence.sign)).toEqual(['high-entropy-rewrites']);
    const archives = Array.from({ length: 25 }, (_, i) => file(i * 0.2, { path: `/backup/b${i}.tar.gz`, action: 'modified', entropy: 7.99 }));
    const cache = Array.from({ length: 25 }, (_, i) => file(i * 0.2, { path: `/root/.npm/_cacache/content-v2/sha512/ab/${i}`, action: 'created', entropy: 7.99 }));
    const text = Array.from({ length: 25 }, (_, i) => file(i * 0.2, { path: `/data/r${i}.txt`, action: 'modified', entropy: 4.6 }));
    expect(ofRule([...archives, ...cache, ...text], 'malware.ransomware')).toEqual([]);
  });

  it('names a ransom note, and fires on bait files only when the profile enables them', () => {
    const note = ofRule([file(1, { path: '/data/HOW_TO_DECRYPT.txt', action: 'created', content: 'pay' })], 'malware.ransomware');
    expect(note.map((a) => [a.severity, a.evidence.sign, a.evidence.path])).toEqual([['high', 'ransom-note', '/data/HOW_TO_DECRYPT.txt']]);
    expect(ofRule([file(1, { path: '/data/README.md', action: 'created', content: 'docs' })], 'malware.ransomware')).toEqual([]);

    const bait = profile.ransomware.bait.paths[0]!;
    const touched = [file(1, { path: bait, action: 'created' }), file(2, { path: `${bait}.enc`, previousPath: bait, action: 'renamed' })];
    expect(ofRule(touched, 'malware.ransomware')).toEqual([]);
    const enabled = { ...profile, ransomware: { ...profile.ransomware, bait: { ...profile.ransomware.bait, enabled: true } } };
    const alerts = ofRule(touched, 'malware.ransomware', enabled);
    expect(alerts.map((a) => [a.severity, a.evidence.sign, a.evidence.path])).toEqual([['critical', 'bait-file', bait]]);
  });
});

describe('system.sensitive_file', () => {
  const protecting = (p: Profile): Profile => ({ ...p, protectedFiles: { 'shop/api:*': ['/etc/passwd', '/app/config/**'] } });

  it('fires on modification, rename, deletion and attribute changes of protected files of the image', () => {
    const events = [
      file(1, { path: '/app/config/db.yaml', action: 'modified', sha256: 'ab'.repeat(32) }),
      file(2, { path: '/app/config/keys.yaml', action: 'deleted', size: 0 }),
      file(3, { path: '/tmp/passwd.bak', previousPath: '/etc/passwd', action: 'renamed' }),
      file(4, { path: '/app/config/tls.key', action: 'attributes', stat: { mode: '100666', uid: 0, gid: 0 }, previousStat: { mode: '100600', uid: 0, gid: 0 } }),
    ];
    const alerts = ofRule(events, 'system.sensitive_file', protecting(profile));
    expect(alerts.map((a) => a.summary)).toEqual([
      'protected file /app/config/db.yaml modified',
      'protected file /app/config/keys.yaml deleted',
      'protected file /etc/passwd renamed to /tmp/passwd.bak',
      'protected file /app/config/tls.key given a new mode or owner',
    ]);
    expect(alerts[3]!.evidence).toMatchObject({ protectedBy: { image: 'shop/api:*', path: '/app/config/**' }, previousStat: { mode: '100600' } });
  });

  it('stays quiet on files found at start, unprotected paths, and other images', () => {
    const events = [file(1, { path: '/app/config/db.yaml', action: 'present' }), file(2, { path: '/app/data/x', action: 'modified' })];
    expect(ofRule(events, 'system.sensitive_file', protecting(profile))).toEqual([]);
    const other = { ...profile, protectedFiles: { 'nginx:*': ['/app/config/**'] } };
    expect(ofRule([file(1, { path: '/app/config/db.yaml', action: 'modified' })], 'system.sensitive_file', other)).toEqual([]);
  });
});

describe('user.brute_force', () => {
  it('raises an attempt at the threshold and a success after failures, per source and service', () => {
    const failures = Array.from({ length: 7 }, (_, i) => auth(i, { outcome: 'failure', user: i % 2 ? 'root' : 'admin' }));
    const alerts = ofRule([...failures, auth(8, { outcome: 'success', user: 'admin' })], 'user.brute_force');
    expect(alerts.map((a) => [a.severity, a.evidence.outcome])).toEqual([
      ['medium', 'attempt'],
      ['high', 'success'],
    ]);
    expect(alerts[0]!.evidence).toMatchObject({ service: 'ssh', sourceIp: '203.0.113.9', failures: 5, users: ['admin', 'root'] });
    expect(alerts[1]!.summary).toBe('ssh login as admin from 203.0.113.9 succeeded after 7 failures (/var/log/auth.log)');
  });

  it('stays quiet on a few typos, failures spread beyond the window, and failures from many sources', () => {
    const typos = [auth(0, { outcome: 'failure' }), auth(1, { outcome: 'failure' }), auth(2, { outcome: 'success' })];
    const slow = Array.from({ length: 10 }, (_, i) => auth(i * 60, { outcome: 'failure', sourceIp: '192.0.2.10' }));
    const spread = Array.from({ length: 10 }, (_, i) => auth(i, { outcome: 'failure', sourceIp: `198.51.100.${i}` }));
    const mixed = Array.from({ length: 6 }, (_, i) => auth(i, { outcome: 'failure', sourceIp: '192.0.2.20', service: i % 2 ? 'web' : 'ssh' }));
    expect(ofRule([...typos, ...slow, ...spread, ...mixed], 'user.brute_force')).toEqual([]);
  });

  it('keeps container log outcomes with their container', () => {
    const failures = Array.from({ length: 5 }, (_, i) => auth(i, { outcome: 'failure', service: 'postgresql', containerId: container.id, origin: 'container' }));
    const [alert] = ofRule(failures, 'user.brute_force');
    expect(alert!.container).toEqual({ id: container.id, name: 'app', image: 'shop/api:2.1' });
  });
});

describe('user.illegal_account', () => {
  const accounts = (passwd: string, imagePasswd: string | null): VigilEvent => ({
    seq: ++seq,
    ts: at(1),
    source: 'files',
    kind: 'accounts',
    data: { containerId: container.id, reason: 'change', passwd, shadow: null, group: null, imagePasswd },
  });
  const image = 'root:x:0:0:root:/root:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n';

  it('fires on a uid-0 clone and a new login account, once each however often the files change', () => {
    const changed = `${image}toor:x:0:0::/root:/bin/sh\n`;
    const alerts = ofRule([accounts(changed, image), accounts(changed, image)], 'user.illegal_account');
    expect(alerts.map((a) => [a.severity, a.evidence.finding, a.evidence.account])).toEqual([
      ['critical', 'cloned-root', 'toor'],
      ['medium', 'new-login-account', 'toor'],
    ]);
  });

  it('stays quiet on the image its own accounts', () => {
    expect(ofRule([accounts(image, image)], 'user.illegal_account')).toEqual([]);
  });
});
