// Docker multiplexes a non-TTY container's stdout and stderr into frames: an 8-byte header
// (stream 0–2, three zero bytes, a big-endian payload length) then the payload. A TTY
// container's log is raw bytes. The first bytes tell which, and the stream keeps that form.
// Payloads are passed on as they arrive, so a huge frame is never held whole.
export function demuxDockerLog(onPayload: (bytes: Buffer) => void): (chunk: Buffer) => void {
  let framed: boolean | undefined;
  let header = Buffer.alloc(0);
  /** Payload bytes of the current frame still to come. */
  let remaining = 0;
  /** The first bytes, held until there are enough to tell the form. */
  let probe = Buffer.alloc(0);
  return (input) => {
    let chunk = input;
    if (framed === undefined) {
      probe = Buffer.concat([probe, chunk]);
      if (probe.length < 8) return;
      framed = probe[0]! <= 2 && probe[1] === 0 && probe[2] === 0 && probe[3] === 0;
      chunk = probe;
    }
    if (!framed) return onPayload(chunk);
    let at = 0;
    while (at < chunk.length) {
      if (remaining > 0) {
        const take = Math.min(remaining, chunk.length - at);
        onPayload(chunk.subarray(at, at + take));
        remaining -= take;
        at += take;
        continue;
      }
      const need = 8 - header.length;
      header = Buffer.concat([header, chunk.subarray(at, at + need)]);
      at += need;
      if (header.length < 8) break;
      remaining = header.readUInt32BE(4);
      header = Buffer.alloc(0);
    }
  };
}
