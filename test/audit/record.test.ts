// The record parser reads attacker-influenced text: these tests hold it to real auditd output
// captured on this host (test/fixtures/audit, see its README) and to hostile lines that must
// be rejected quickly with a reason, never thrown on.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeSaddr, MAX_LINE_LENGTH, parseRecord, splitProctitle, type AuditRecord } from '../../src/sources/audit/record.js';

function fixture(name: string): string[] {
  return readFileSync(new URL(`../fixtures/audit/${name}`, import.meta.url), 'utf8').split('\n').filter(Boolean);
}

function parse(line: string): AuditRecord {
  const result = parseRecord(line);
  if (!result.ok) throw new Error(`rejected (${result.reason}): ${line.slice(0, 120)}`);
  return result.record;
}

function only<T>(items: T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

const execve = fixture('execve.log').map(parse);
const misc = fixture('misc.log').map(parse);

describe('parseRecord on captured auditd lines', () => {
  it('parses every line of every fixture', () => {
    for (const name of ['execve.log', 'docker.log', 'path.log', 'connect.log', 'misc.log']) {
      for (const line of fixture(name)) expect(parseRecord(line), line.slice(0, 100)).toMatchObject({ ok: true });
    }
  });

  it('reads the header and ignores the ENRICHED part after the GS separator', () => {
    const line = fixture('execve.log').find((l) => l.startsWith('type=SYSCALL')) as string;
    expect(line).toContain('\x1dARCH=x86_64 SYSCALL=execve');
    const [, sec, msec, serial] = /msg=audit\((\d+)\.(\d+):(\d+)\)/.exec(line) as RegExpExecArray;
    const record = parse(line);
    expect(record).toMatchObject({ type: 'SYSCALL', timestamp: `${sec}.${msec}`, serial: Number(serial) });
    expect(record.time).toBe(Number(sec) * 1000 + Number(msec));
    expect(record.fields).toMatchObject({ arch: 'c000003e', syscall: '59', success: 'yes', tty: '(none)' });
    expect(record.fields.ARCH).toBeUndefined();
    expect(record.fields.AUID).toBeUndefined();
    expect(record.node).toBeUndefined();
    expect(parse(line.slice(0, line.indexOf('\x1d')))).toEqual(record);
  });

  it('decodes the hex the kernel uses for arguments with spaces, quotes, newlines and non-UTF-8 bytes', () => {
    const record = only(execve.filter((r) => r.type === 'EXECVE' && r.fields.argc === '6'));
    expect(record.fields).toMatchObject({
      argc: '6',
      a0: '/bin/echo',
      a1: 'has space',
      a2: 'quo"te',
      a3: 'new\nline',
      a4: '\uFFFD\uFFFDbad',
      a5: 'ünïcode',
    });
    expect(record.hex.a1).toBe('686173207370616365');
    expect(record.hex.a0).toBeUndefined();
  });

  it('decodes a multi-key rule key (keys joined by \\x01, so hex) and keeps syscall arguments as logged', () => {
    const syscall = execve.find((r) => r.type === 'SYSCALL') as AuditRecord;
    expect(syscall.fields.key).toBe('vigil_fx_exec\x01second');
    expect(syscall.fields.a0).toMatch(/^[0-9a-f]+$/);
    expect(syscall.hex.a0).toBeUndefined();
  });

  it('decodes comm, exe, cwd and PATH names that needed hex', () => {
    const syscall = only(execve.filter((r) => r.type === 'SYSCALL' && r.fields.comm === 'tr ue'));
    expect(syscall.fields.exe).toMatch(/^\/tmp\/vigil-fx\.[^/]+\/dir with space\/tr ue$/);
    const same = execve.filter((r) => r.serial === syscall.serial);
    expect(same.find((r) => r.type === 'CWD')?.fields.cwd).toMatch(/\/dir with space$/);
    expect(same.find((r) => r.type === 'PATH' && r.fields.item === '0')?.fields.name).toBe('./tr ue');
    expect(splitProctitle(same.find((r) => r.type === 'PROCTITLE')?.fields.proctitle ?? '')).toEqual(['./tr ue', 'x']);
  });

  it('reads continuation EXECVE records, whose fields start after two spaces', () => {
    const line = only(fixture('execve.log').filter((l) => /\):  a1\[1\]=E282AC/.test(l)));
    const record = parse(line);
    expect(Object.keys(record.fields)).toEqual(['a1[1]']);
    expect(record.hex['a1[1]']).toMatch(/^(?:[0-9A-F]{2})+$/);
  });

  it('reads (null) as empty', () => {
    const rule = misc.find((r) => r.type === 'SYSCALL' && r.fields.comm === 'auditctl') as AuditRecord;
    expect(rule.fields.key).toBe('');
  });

  it('reads a user-space message whole and its nested fields', () => {
    const user = only(misc.filter((r) => r.type === 'USER'));
    expect(user.fields.msg).toMatch(/^text=vigil fixture user message exe="\/usr\/sbin\/auditctl" .* res=success$/);
    expect(user.fields).toMatchObject({ uid: '0', auid: '4294967295', exe: '/usr/sbin/auditctl', res: 'success', hostname: '?' });
  });

  it('keeps hyphenated keys (LOGIN) and the node= prefix of name_format', () => {
    const login = only(fixture('misc.log').filter((l) => l.startsWith('type=LOGIN')));
    expect(parse(login).fields).toMatchObject({ 'old-auid': '4294967295', auid: '4242', res: '1' });
    const withNode = parse(`node=web-1.example ${login}`);
    expect(withNode.node).toBe('web-1.example');
    expect(withNode.fields).toEqual(parse(login).fields);
  });
});

describe('splitProctitle', () => {
  it('splits the NUL-separated command line', () => {
    expect(splitProctitle('seq\x001\x003000')).toEqual(['seq', '1', '3000']);
    expect(splitProctitle('a\x00\x00b\x00')).toEqual(['a', '', 'b']);
    expect(splitProctitle('single')).toEqual(['single']);
    expect(splitProctitle('')).toEqual([]);
  });
});

describe('decodeSaddr', () => {
  it('decodes the captured connect() addresses', () => {
    const saddrs = fixture('connect.log')
      .map(parse)
      .filter((r) => r.type === 'SOCKADDR')
      .map((r) => decodeSaddr(r.fields.saddr ?? ''));
    expect(saddrs).toEqual(
      expect.arrayContaining([
        { family: 'inet', address: '127.0.0.1', port: 9 },
        { family: 'inet6', address: '::1', port: 9 },
        { family: 'unix', path: '/var/run/docker.sock' },
        { family: 'unix', path: '@vigil-fx-abstract' },
      ]),
    );
    expect(saddrs).toHaveLength(4);
    const netlink = misc.find((r) => r.type === 'SOCKADDR') as AuditRecord;
    expect(decodeSaddr(netlink.fields.saddr ?? '')).toEqual({ family: 'other', number: 16 });
  });

  it('writes IPv6 addresses in RFC 5952 form', () => {
    const inet6 = (address: string) => decodeSaddr(`0A000050${'00000000'}${address}00000000`);
    expect(inet6('20010DB8000000000000000000000001')).toEqual({ family: 'inet6', address: '2001:db8::1', port: 80 });
    expect(inet6('00000000000000000000FFFF0A000001')).toMatchObject({ address: '::ffff:10.0.0.1' });
    expect(inet6('00010000000200030004000500060007')).toMatchObject({ address: '1:0:2:3:4:5:6:7' });
    expect(inet6('00010000000000020000000000000003')).toMatchObject({ address: '1:0:0:2::3' });
    expect(inet6('00000000000000000000000000000000')).toMatchObject({ address: '::' });
    expect(inet6('FE800000000000000000000000000000')).toMatchObject({ address: 'fe80::' });
  });

  it('rejects what is too short or not hex, and reads an unnamed unix socket', () => {
    expect(decodeSaddr('0200')).toBeUndefined();
    expect(decodeSaddr('0A0000500000')).toBeUndefined();
    expect(decodeSaddr('020')).toBeUndefined();
    expect(decodeSaddr('zz00')).toBeUndefined();
    expect(decodeSaddr('0100')).toEqual({ family: 'unix', path: '' });
  });
});

describe('parseRecord on hostile lines', () => {
  const good = 'type=SYSCALL msg=audit(1795783116.247:1484): arch=c000003e';

  it.each([
    ['', 'no type'],
    ['garbage', 'no type'],
    ['node=lonely', 'no type'],
    ['type=SYSCALL', 'no msg=audit(…)'],
    ['type=syscall msg=audit(1795783116.247:1): a=b', 'bad type'],
    ['type=SYSCALL(1) msg=audit(1795783116.247:1): a=b', 'bad type'],
    ['type=SYSCALL arch=c000003e', 'no msg=audit(…)'],
    ['type=SYSCALL msg=audit(1795783116.247:1 a=b', 'no msg=audit(…)'],
    ['type=SYSCALL msg=audit(1795783116.247:1) a=b', 'no msg=audit(…)'],
    ['type=SYSCALL msg=audit(1.2:3): a=b', 'bad timestamp'],
    ['type=SYSCALL msg=audit(:3): a=b', 'bad timestamp'],
    ['type=SYSCALL msg=audit(1795783116.247): a=b', 'bad serial'],
    ['type=SYSCALL msg=audit(1795783116.247:): a=b', 'bad serial'],
    ['type=SYSCALL msg=audit(1795783116.247:-5): a=b', 'bad serial'],
    ['type=SYSCALL msg=audit(1795783116.247:1e3): a=b', 'bad serial'],
    ['type=SYSCALL msg=audit(1795783116.247:99999999999999999999): a=b', 'bad serial'],
    [`${good} comm="unterminated`, 'unterminated quote'],
    [`${good} msg='op=x res=1`, 'unterminated quote'],
    [`${good} comm="a\0b"`, 'NUL byte in line'],
  ])('rejects %j: %s', (line, reason) => {
    expect(parseRecord(line)).toEqual({ ok: false, reason });
  });

  it('rejects a 1 MB line at once', () => {
    const started = performance.now();
    expect(parseRecord(`${good} a0="${'x'.repeat(1024 * 1024)}"`)).toEqual({ ok: false, reason: 'line too long' });
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('parses lines at the length limit in linear time, whatever they hold', () => {
    const bodies = ['a=b ', 'k="" ', 'w ', '== ', "m='' ", 'name=4142 ', '\x1d '];
    for (const body of bodies) {
      const line = `${good} ${body.repeat((MAX_LINE_LENGTH - good.length - 1) / body.length)}`.slice(0, MAX_LINE_LENGTH);
      const started = performance.now();
      expect(parseRecord(line).ok).toBe(true);
      expect(performance.now() - started, JSON.stringify(body)).toBeLessThan(100);
    }
  });

  it('stores __proto__ and friends as ordinary fields', () => {
    const record = parse(`${good} __proto__=1 constructor=2 toString=3 hasOwnProperty=4`);
    expect(Object.getPrototypeOf(record.fields)).toBeNull();
    expect(Object.entries(record.fields)).toEqual([
      ['arch', 'c000003e'],
      ['__proto__', '1'],
      ['constructor', '2'],
      ['toString', '3'],
      ['hasOwnProperty', '4'],
    ]);
  });

  it('keeps the first of a repeated key, skips words without =, and empty keys', () => {
    const record = parse(`${good} avc:  denied  { read } for =x pid=1 pid=2 comm="a" comm="b" tail`);
    expect(record.fields).toEqual({ arch: 'c000003e', pid: '1', comm: 'a' });
  });

  it('leaves string fields that are not valid hex as logged, and replaces invalid UTF-8', () => {
    expect(parse(`${good} name=ABC cwd=ZZ exe=(null)`).fields).toMatchObject({ name: 'ABC', cwd: 'ZZ', exe: '' });
    expect(parse(`${good} proctitle=FF00C3`).fields.proctitle).toBe('\uFFFD\0\uFFFD');
    expect(parse(`${good} name="4142"`).fields.name).toBe('4142');
  });

  it('never throws on mutated real lines', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const lines = fixture('execve.log').concat(fixture('misc.log'), fixture('connect.log'));
    const noise = ['"', "'", '=', ' ', '\x1d', '\0', ')', '(', ':', '\n', 'é', '\uFFFD', 'node=', 'msg='];
    for (let i = 0; i < 3000; i++) {
      let line = lines[random(lines.length)] as string;
      line = line.slice(0, random(2000));
      for (let k = random(5); k > 0; k--) {
        const at = random(line.length + 1);
        line = line.slice(0, at) + noise[random(noise.length)] + line.slice(at + random(3));
      }
      const result = parseRecord(line);
      expect(result.ok || typeof result.reason === 'string').toBe(true);
    }
  });
});
