// A process's sockets: its fds that are sockets (/proc/PID/fd/N -> socket:[inode]), joined by
// inode with the kernel's socket tables. The tables are read from /proc/PID/net, not /proc/net:
// that view follows the process's network namespace, and every container has its own.
import { endianness } from 'node:os';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { DEFAULT_PROC_ROOT, isDenied, isGone, whileAlive } from './process.js';

export type NetProtocol = 'tcp' | 'tcp6' | 'udp' | 'udp6' | 'raw' | 'raw6';

/** Table read order: the commonest first, so socketsOf can often stop after one or two. */
const NET_PROTOCOLS: readonly NetProtocol[] = ['tcp', 'udp', 'tcp6', 'udp6', 'raw', 'raw6'];

export interface Endpoint {
  /** Textual form: `127.0.0.1`, `::1`, `::ffff:1.2.3.4`. */
  address: string;
  /** For raw sockets the kernel puts the IP protocol number here (1 = ICMP). */
  port: number;
}

export interface NetSocket {
  inode: number;
  protocol: NetProtocol;
  local: Endpoint;
  remote: Endpoint;
  /**
   * The kernel's TCP state name. UDP and raw sockets reuse the codes: CLOSE when unconnected,
   * ESTABLISHED after connect().
   */
  state: string;
}

/**
 * One socket fd of a process. 'other' is a socket in no table of the process's namespace:
 * netlink, packet, vsock, or an inet socket from another network namespace (made before a
 * setns(), or passed over a unix socket).
 */
export type ProcessSocket =
  | ({ fd: number } & NetSocket)
  | { fd: number; inode: number; protocol: 'unix' }
  | { fd: number; inode: number; protocol: 'other' };

/** include/net/tcp_states.h, by code. */
const TCP_STATES = [
  'UNKNOWN',
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];

const SOCKET_LINK = /^socket:\[(\d+)\]$/;

/**
 * fd -> socket inode, for the fds that are sockets; undefined when the process is gone or its
 * fds are not ours to read (see isDenied): unknown, which is not the same as none.
 */
export function readSocketFds(pid: number, procRoot = DEFAULT_PROC_ROOT): Map<number, number> | undefined {
  try {
    return socketFdsIn(`${procRoot}/${pid}/fd`);
  } catch (error) {
    if (isGone(error) || isDenied(error)) return undefined;
    throw error;
  }
}

function socketFdsIn(dir: string): Map<number, number> {
  const sockets = new Map<number, number>();
  for (const name of readdirSync(dir)) {
    // An fd closed since the listing is simply not there any more.
    const link = whileAlive(() => readlinkSync(`${dir}/${name}`));
    const inode = link === undefined ? undefined : SOCKET_LINK.exec(link)?.[1];
    if (inode !== undefined) sockets.set(Number(name), Number(inode));
  }
  return sockets;
}

/** Parses /proc/net/{tcp,udp,raw}[6] (or the /proc/PID/net ones): a header line, then a socket a line. */
export function parseNetTable(text: string, protocol: NetProtocol): NetSocket[] {
  const sockets: NetSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
    const fields = line.trim().split(/\s+/);
    const [, local, remote, state, , , , , , inode] = fields;
    if (local === undefined || remote === undefined || state === undefined || inode === undefined) continue;
    sockets.push({
      inode: Number(inode),
      protocol,
      local: decodeEndpoint(local),
      remote: decodeEndpoint(remote),
      state: TCP_STATES[parseInt(state, 16)] ?? state,
    });
  }
  return sockets;
}

/** Parses /proc/net/unix into its socket inodes (the Inode column; Path, when present, follows it). */
export function parseUnixTable(text: string): Set<number> {
  const inodes = new Set<number>();
  for (const line of text.split('\n').slice(1)) {
    const inode = line.trim().split(/\s+/)[6];
    if (inode !== undefined) inodes.add(Number(inode));
  }
  return inodes;
}

/**
 * The six inet tables of the process's network namespace, by inode; undefined when none can be
 * read (the process is gone, or a zombie, which has no namespace left). Sockets with inode 0
 * (TIME_WAIT, orphans) belong to no fd and are left out.
 */
export function readNetTables(pid: number, procRoot = DEFAULT_PROC_ROOT): Map<number, NetSocket> | undefined {
  let byInode: Map<number, NetSocket> | undefined;
  for (const [protocol, text] of netTableTexts(pid, procRoot)) {
    byInode ??= new Map();
    for (const socket of parseNetTable(text, protocol)) if (socket.inode !== 0) byInode.set(socket.inode, socket);
  }
  return byInode;
}

/**
 * Every socket fd of the process, in fd order, with what the tables say about it; undefined
 * when the process is gone or its fds cannot be read. Tables are read only until every socket
 * is found, so a shell whose stdio is one TCP connection costs one table.
 */
export function socketsOf(pid: number, procRoot = DEFAULT_PROC_ROOT): ProcessSocket[] | undefined {
  const fds = readSocketFds(pid, procRoot);
  if (fds === undefined) return undefined;
  const unresolved = new Set(fds.values());
  const found = new Map<number, NetSocket>();
  if (unresolved.size > 0) {
    for (const [protocol, text] of netTableTexts(pid, procRoot)) {
      for (const socket of parseNetTable(text, protocol)) {
        if (unresolved.delete(socket.inode)) found.set(socket.inode, socket);
      }
      if (unresolved.size === 0) break;
    }
  }
  const unix = unresolved.size > 0 ? readUnixInodes(pid, procRoot) : new Set<number>();
  return [...fds.entries()]
    .sort(([a], [b]) => a - b)
    .map(([fd, inode]): ProcessSocket => {
      const socket = found.get(inode);
      if (socket) return { fd, ...socket };
      return { fd, inode, protocol: unix.has(inode) ? 'unix' : 'other' };
    });
}

/** The readable tables, lazily: a table that is missing (IPv6 disabled, process gone) is skipped. */
function* netTableTexts(pid: number, procRoot: string): Generator<[NetProtocol, string]> {
  for (const protocol of NET_PROTOCOLS) {
    const text = whileAlive(() => readFileSync(`${procRoot}/${pid}/net/${protocol}`, 'utf8'));
    if (text !== undefined) yield [protocol, text];
  }
}

function readUnixInodes(pid: number, procRoot: string): Set<number> {
  const text = whileAlive(() => readFileSync(`${procRoot}/${pid}/net/unix`, 'utf8'));
  return text === undefined ? new Set() : parseUnixTable(text);
}

/** The kernel prints each 32-bit word of the network-order address as a host-order integer. */
const wordsAreSwapped = endianness() === 'LE';

/** "0100007F:1F90" -> 127.0.0.1 port 8080; 32 hex digits before the colon for IPv6. */
function decodeEndpoint(text: string): Endpoint {
  const [hex = '', port = ''] = text.split(':');
  const bytes = Buffer.from(hex, 'hex');
  if (wordsAreSwapped) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  return { address: bytes.length === 16 ? ipv6Text(bytes) : ipv4Text(bytes), port: parseInt(port, 16) };
}

function ipv4Text(bytes: Uint8Array): string {
  return Array.from(bytes).join('.');
}

/** RFC 5952 form: lower-case, longest run of two or more zero groups as '::', mapped IPv4 dotted. */
function ipv6Text(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${ipv4Text(bytes.subarray(12))}`;
  let runStart = -1;
  let runLength = 1;
  for (let i = 0; i < 8; ) {
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > runLength) [runStart, runLength] = [i, end - i];
    i = Math.max(end, i + 1);
  }
  const hex = groups.map((g) => g.toString(16));
  if (runStart < 0) return hex.join(':');
  return `${hex.slice(0, runStart).join(':')}::${hex.slice(runStart + runLength).join(':')}`;
}
