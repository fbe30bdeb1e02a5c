// Docker's log stream framing, and the line splitter's bound on what a writer can make vigil hold.
import { describe, expect, it } from 'vitest';
import { splitLines } from '../../src/sources/lines.js';
import { demuxDockerLog } from '../../src/sources/logs/demux.js';

const frame = (stream: number, text: string) => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};

function collect(chunks: Buffer[]): string {
  const out: Buffer[] = [];
  const push = demuxDockerLog((b) => out.push(Buffer.from(b)));
  for (const c of chunks) push(c);
  return Buffer.concat(out).toString();
}

describe('demuxDockerLog', () => {
  it('strips the frame headers of stdout and stderr, however the stream is cut', () => {
    const bytes = Buffer.concat([frame(1, 'Failed password for root\n'), frame(2, 'second line\n'), frame(1, 'third')]);
    expect(collect([bytes])).toBe('Failed password for root\nsecond line\nthird');
    // Cut at every position: headers and payloads split across chunks.
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(collect([bytes.subarray(0, cut), bytes.subarray(cut)])).toBe('Failed password for root\nsecond line\nthird');
    }
    expect(collect([...bytes].map((b) => Buffer.from([b])))).toBe('Failed password for root\nsecond line\nthird');
  });

  it('passes a TTY container\'s raw log through unchanged', () => {
    expect(collect([Buffer.from('plain output\r\nmore\n')])).toBe('plain output\r\nmore\n');
  });

  it('passes a huge frame on as it arrives instead of holding it whole', () => {
    const header = Buffer.alloc(8);
    header[0] = 1;
    header.writeUInt32BE(0xffffffff, 4);
    const seen: number[] = [];
    const push = demuxDockerLog((b) => seen.push(b.length));
    push(Buffer.concat([header, Buffer.alloc(1000, 0x61)]));
    push(Buffer.alloc(5000, 0x61));
    expect(seen).toEqual([1000, 5000]);
  });
});

describe('splitLines', () => {
  it('cuts an endless line at the limit and drops the rest of it up to its newline', () => {
    const lines: string[] = [];
    const push = splitLines((l) => lines.push(l), 10);
    push('0123456789abcdef');
    push('ghij\nnext line\n');
    expect(lines).toEqual(['0123456789', 'next line']);
  });
});
