import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountFindings, parsePasswd, parseShadowNames } from '../../src/engine/rules/account-facts.js';
import { loadProfile } from '../../src/profile/load.js';
import { reduceShadow } from '../../src/sources/files/shadow.js';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/accounts/${path}`, import.meta.url), 'utf8');
const readable = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

let noLogin: readonly string[];
beforeAll(async () => {
  noLogin = (await loadProfile()).accounts.noLoginShells;
});

/** Findings of a container whose image is the Debian fixture, with extra passwd and shadow lines. */
function onDebian(passwdLines: string[], shadowLines: string[] = []) {
  return accountFindings(
    {
      passwd: fixture('debian/passwd') + passwdLines.map((l) => `${l}\n`).join(''),
      shadow: fixture('debian/shadow') + shadowLines.map((l) => `${l}\n`).join(''),
      imagePasswd: fixture('debian/passwd'),
    },
    noLogin,
  );
}
const kinds = (findings: { kind: string; account: string }[]) => findings.map((f) => [f.kind, f.account]);

describe('reduceShadow', () => {
  const cases: [string, string][] = [
    ['root:$6$Zq8YkF1b$u6BqXgC7oZ3sD0b9w2.1nH8eQe0u4kq9zQ0m3Wc9a/5T:19720:0:99999:7:::', 'root:<hash>:19720:0:99999:7:::'],
    ['alice:!$y$j9T$3L8vQ2$kJ5zP0aR7mN2cX4b:19720:0:99999:7:::', 'alice:!<hash>:19720:0:99999:7:::'],
    ['bob:!!$1$salt$hash:19720::::::', 'bob:!!<hash>:19720::::::'],
    ['carol:*$2b$10$abcdefghijklmnopqrstuv:1::::::', 'carol:*<hash>:1::::::'],
    ['des:aBcD3fGh1jKlM:1::::::', 'des:<hash>:1::::::'],
    ['bsdi:_J9..rasmBYk8r9AiWNc:1::::::', 'bsdi:<hash>:1::::::'],
    ['#old:$6$a$b:1:::::', '#old:<hash>:1:::::'],
    ['short:$6$a$b', 'short:<hash>'],
    ['crlf:$6$a$b\r', 'crlf:<hash>\r'],
    ['crlf2:$6$a$b:1:::::\r', 'crlf2:<hash>:1:::::\r'],
  ];
  const kept = [
    'empty::19720:0:99999:7:::',
    'star:*:19720:0:99999:7:::',
    'bang:!:19720::::::',
    'bangbang:!!:19720::::::',
    'bangstar:!*:19720::::::',
    'solaris:*LK*:::::::',
    'np:NP:::::::',
    'root:*::0:::::',
    '# comment: kept as written',
    '',
    'no colon at all',
    'name-only:',
    '\u0000\u00ff:\u0001:',
  ];

  it('replaces a hash with <hash>, keeping lock markers and every other byte', () => {
    const input = [...cases.map(([line]) => line), ...kept].join('\n') + '\n';
    const output = [...cases.map(([, line]) => line), ...kept].join('\n') + '\n';
    expect(reduceShadow(input)).toBe(output);
    expect(reduceShadow(output)).toBe(output);
  });

  it.each(kept)('keeps %j as it is', (line) => {
    expect(reduceShadow(line)).toBe(line);
  });

  it('leaves no hash of a real shadow file and keeps its other fields', () => {
    const real = readable('/etc/shadow') ?? fixture('debian-apt/shadow');
    const reduced = reduceShadow(real).split('\n');
    const lines = real.split('\n');
    expect(reduced).toHaveLength(lines.length);
    reduced.forEach((line, i) => {
      const [name, password, ...rest] = line.split(':');
      const [realName, , ...realRest] = lines[i]!.split(':');
      expect([name, rest]).toEqual([realName, realRest]);
      expect(password ?? '').not.toMatch(/\$|[./0-9A-Za-z]{13}/);
    });
  });
});

describe('parsePasswd', () => {
  it('reads every field, with 1-based line numbers and the raw line', () => {
    const [root, nobody] = parsePasswd('root:x:0:0:root:/root:/bin/bash\n\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n');
    expect(root).toEqual({ name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/bash', line: 1, raw: 'root:x:0:0:root:/root:/bin/bash' });
    expect(nobody).toMatchObject({ name: 'nobody', uid: 65534, line: 3, shell: '/usr/sbin/nologin' });
  });

  it('skips what no C library reads, without throwing', () => {
    const text = ['# comment', 'garbage', 'a:x:1', 'b:x:one:1:::/bin/sh', 'c:x:1:1x:::/bin/sh', 'group:x:27:', 'ssl-cert:x:103:postgres', ''].join('\n');
    expect(parsePasswd(text)).toEqual([]);
  });

  it('reads a short line as glibc does and takes the rest of the line as the shell', () => {
    expect(parsePasswd('short:x:5:5')).toEqual([{ name: 'short', uid: 5, gid: 5, home: '', shell: '', line: 1, raw: 'short:x:5:5' }]);
    expect(parsePasswd('a:x:1:1:g:/h:/bin/sh:extra')[0]!.shell).toBe('/bin/sh:extra');
  });

  it.each([['+0'], [' 0'], ['\t-0'], ['0000'], ['4294967296'], ['-4294967296'], ['']])(
    'reads the uid field %j as 0, as glibc or musl would',
    (uid) => {
      expect(parsePasswd(`evil:x:${uid}:0:::/bin/sh`)[0]!.uid).toBe(0);
    },
  );

  it('reads other odd uids as glibc does', () => {
    expect(parsePasswd('a:x:-1:0:::/bin/sh')[0]!.uid).toBe(4294967295);
    expect(parsePasswd('a:x:99999999999999999999999:0:::/bin/sh')[0]!.uid).toBe(4294967295);
    expect(parsePasswd('a:x:4294967297:0:::/bin/sh')[0]!.uid).toBe(1);
  });

  it("names a line starting with ':' as musl does", () => {
    expect(parsePasswd(':x:x:0:0::/root:/bin/sh')).toMatchObject([{ name: ':x', uid: 0, shell: '/bin/sh' }]);
    expect(parsePasswd('::0:0::/:/bin/sh')).toMatchObject([{ name: '', uid: 0 }]);
  });
});

describe('parseShadowNames', () => {
  it('maps names to their password fields, the first entry winning', () => {
    const names = parseShadowNames('root:*:1:0:99999:7:::\nbob:<hash>:1::::::\nbob::1::::::\nbroken\nshort:!');
    expect([...names]).toEqual([
      ['root', '*'],
      ['bob', '<hash>'],
      ['short', '!'],
    ]);
  });
});

describe('accountFindings on benign account files', () => {
  it.each(['debian', 'alpine', 'busybox', 'debian-apt'])('finds nothing in the %s image itself', (image) => {
    const passwd = fixture(`${image}/passwd`);
    expect(accountFindings({ passwd, shadow: fixture(`${image}/shadow`), imagePasswd: passwd }, noLogin)).toEqual([]);
    expect(accountFindings({ passwd, shadow: null, imagePasswd: null }, noLogin)).toEqual([]);
  });

  it("finds nothing in this machine's account files", () => {
    const passwd = readFileSync('/etc/passwd', 'utf8');
    const shadow = readable('/etc/shadow');
    expect(parsePasswd(passwd).length).toBeGreaterThan(0);
    expect(accountFindings({ passwd, shadow: shadow && reduceShadow(shadow), imagePasswd: passwd }, noLogin)).toEqual([]);
    // /etc/group is no passwd file: none of its lines reads as an account.
    expect(parsePasswd(readFileSync('/etc/group', 'utf8'))).toEqual([]);
  });

  it('reports only the login account apt-get added to a Debian container (postgres, /bin/bash)', () => {
    const findings = accountFindings(
      { passwd: fixture('debian-apt/passwd'), shadow: fixture('debian-apt/shadow'), imagePasswd: fixture('debian/passwd') },
      noLogin,
    );
    expect(kinds(findings)).toEqual([['new-login-account', 'postgres']]);
    expect(findings[0]!.evidence).toMatchObject({ uid: 101, shell: '/bin/bash', line: 22 });
  });

  it('does not report an empty password of an account present in both files', () => {
    const shadow = fixture('busybox/shadow').replace('root:*:', 'root::');
    const passwd = fixture('busybox/passwd');
    expect(accountFindings({ passwd, shadow, imagePasswd: passwd }, noLogin)).toEqual([]);
  });
});

describe('accountFindings', () => {
  it('reports a second uid 0 account as cloned-root, with its line', () => {
    const findings = onDebian(['toor:x:0:0::/root:/bin/sh'], ['toor:<hash>:19720:0:99999:7:::']);
    expect(kinds(findings)).toEqual([
      ['cloned-root', 'toor'],
      ['new-login-account', 'toor'],
    ]);
    expect(findings[0]).toEqual({
      kind: 'cloned-root',
      account: 'toor',
      summary: 'Account "toor" has uid 0, the uid of root.',
      evidence: { line: 19, raw: 'toor:x:0:0::/root:/bin/sh', uid: 0, shell: '/bin/sh', inImage: false },
    });
  });

  it('reports a root clone hidden behind an odd uid spelling', () => {
    expect(kinds(onDebian(['svc:x:+0:0::/:/usr/sbin/nologin'], ['svc:*:1::::::']))).toEqual([['cloned-root', 'svc']]);
  });

  it('reports each extra name of a shared uid, naming the account it clones', () => {
    const findings = onDebian(['www:x:33:33::/var/www:/usr/sbin/nologin', 'web2:x:33:33::/:/usr/sbin/nologin'], ['www:*:1::::::', 'web2:*:1::::::']);
    expect(kinds(findings)).toEqual([
      ['duplicate-uid', 'www'],
      ['duplicate-uid', 'web2'],
    ]);
    expect(findings[0]!.summary).toBe('Account "www" shares uid 33 with "www-data".');
    expect(findings[0]!.evidence).toMatchObject({ uid: 33, line: 19, clones: 'www-data', clonedLine: 13, clonedRaw: 'www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin' });
  });

  it('does not count the same name twice as a shared uid', () => {
    expect(onDebian(['nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin'])).toEqual([]);
  });

  it.each([
    ['admin$', 'ends in "$"'],
    ['ro\u200bot2', 'holds control or invisible characters'],
    ['adm\u202enimda', 'holds control or invisible characters'],
    ['bad\u0007', 'holds control or invisible characters'],
    ['del\u007f', 'holds control or invisible characters'],
    ['c1\u0085', 'holds control or invisible characters'],
    ['\ufeffbom', 'holds control or invisible characters'],
    [' lead', 'has leading or trailing whitespace'],
    ['trail\u00a0', 'has leading or trailing whitespace'],
  ])('reports the hidden name %j', (name, reason) => {
    const findings = onDebian([`${name}:x:2001:2001::/nonexistent:/usr/sbin/nologin`], [`${name}:*:1::::::`]);
    expect(kinds(findings)).toEqual([['hidden-name', name]]);
    expect(findings[0]!.evidence).toMatchObject({ reason, uid: 2001, line: 19 });
    expect(findings[0]!.summary).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200b\u202e\ufeff]/);
  });

  it('makes an invisible character visible in the summary', () => {
    const [finding] = onDebian(['ro\u200bot:x:0:0::/root:/bin/sh'], ['ro\u200bot:*:1::::::']);
    expect(finding!.summary).toBe('Account "ro\\u200bot" has uid 0, the uid of root.');
  });

  it('reports a login account missing from shadow, not a nologin one', () => {
    const findings = onDebian(['ghost:x:2002:2002::/home/ghost:/bin/bash', 'svc:x:2003:2003::/:/usr/sbin/nologin']);
    const mismatch = findings.filter((f) => f.kind === 'passwd-shadow-mismatch');
    expect(kinds(mismatch)).toEqual([['passwd-shadow-mismatch', 'ghost']]);
    expect(mismatch[0]!.evidence).toMatchObject({ problem: 'no shadow entry', shell: '/bin/bash', uid: 2002, line: 19 });
  });

  it('reports a usable shadow password, even an empty one, for a name passwd lacks', () => {
    const findings = onDebian([], ['phantom:<hash>:19720:0:99999:7:::', 'blank::19720:0:99999:7:::', 'locked:!<hash>:1::::::', 'star:*:1::::::']);
    expect(kinds(findings)).toEqual([
      ['passwd-shadow-mismatch', 'phantom'],
      ['passwd-shadow-mismatch', 'blank'],
    ]);
    expect(findings[0]!.evidence).toEqual({ shadowLine: 19, password: 'set', problem: 'no passwd entry' });
    expect(findings[1]!.summary).toBe('/etc/shadow holds an empty password (none needed) for "blank", which /etc/passwd lacks.');
  });

  it('skips shadow checks when there is no shadow file, and image checks without the image passwd', () => {
    const passwd = `${fixture('debian/passwd')}dev:x:1000:1000::/home/dev:/bin/bash\n`;
    expect(accountFindings({ passwd, shadow: null, imagePasswd: null }, noLogin)).toEqual([]);
  });

  it('reports a new login account, whatever its shell, unless the shell cannot log in', () => {
    const findings = onDebian(
      ['dev:x:1000:1000::/home/dev:/bin/bash', 'odd:x:1001:1001::/:/usr/local/bin/zsh', 'app:x:1002:1002::/app:/usr/sbin/nologin'],
      ['dev:!:1::::::', 'odd:!:1::::::', 'app:!:1::::::'],
    );
    expect(kinds(findings)).toEqual([
      ['new-login-account', 'dev'],
      ['new-login-account', 'odd'],
    ]);
    expect(findings[0]!.summary).toBe('Login account "dev" (uid 1000, shell "/bin/bash") is not in the image\'s /etc/passwd.');
  });

  it('marks findings the image already ships', () => {
    const passwd = `${fixture('debian/passwd')}toor:x:0:0::/root:/bin/sh\n`;
    const [finding] = accountFindings({ passwd, shadow: null, imagePasswd: passwd }, noLogin);
    expect(finding!.evidence).toMatchObject({ inImage: true });
  });
});

describe('hostile account files', () => {
  const MB = 1 << 20;
  const bytes = new Uint8Array(4 * MB);
  for (let i = 0, x = 1; i < bytes.length; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  const junk = Buffer.from(bytes).toString('latin1');

  it.each([
    ['binary junk', junk],
    ['binary junk read as UTF-8', Buffer.from(bytes).toString('utf8')],
    ['a 1 MB name', `${'a'.repeat(MB)}:x:0:0::/:/bin/sh`],
    ['a 1 MB uid of digits', `a:x:${'9'.repeat(MB)}x:0::/:/bin/sh`],
    ['a 1 MB uid of zeros', `a:x:${'0'.repeat(MB)}:0::/:/bin/sh`],
    ['a 1 MB line of colons', ':'.repeat(MB)],
    ['a 1 MB shell', `a:x:5:5::/:${'/'.repeat(MB)}`],
    ['50k duplicate uids', Array.from({ length: 50_000 }, (_, i) => `u${i}:x:7:7::/:/bin/sh`).join('\n')],
  ])('handles %s in linear time without throwing', (_, text) => {
    const started = performance.now();
    const findings = accountFindings({ passwd: text, shadow: text, imagePasswd: text }, noLogin);
    expect(reduceShadow(text).length).toBeGreaterThan(0);
    expect(Array.isArray(findings)).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('still finds a root clone at the end of a junk file', () => {
    const findings = accountFindings({ passwd: `${junk}\nevil::0:0::/:/bin/sh\n`, shadow: null, imagePasswd: null }, noLogin);
    expect(findings.some((f) => f.kind === 'cloned-root' && f.account === 'evil')).toBe(true);
  });

  it('reduces a 1 MB hash field and a 1 MB line of markers', () => {
    expect(reduceShadow(`root:$6$${'a'.repeat(MB)}:1:::::`)).toBe('root:<hash>:1:::::');
    const markers = `root:${'!'.repeat(MB)}:1:::::`;
    expect(reduceShadow(markers)).toBe(markers);
  });
});
