// A proxy in front of the real dockerd (on a unix socket, or on a loopback TCP port), which vigil
// reaches with DOCKER_HOST as the docker CLI would. Closing it is what vigil sees when dockerd stops, reopening it dockerd coming
// back; `inspectDelayMs` makes dockerd slow to answer container inspects, as on a loaded host.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** `GET /v1.41/containers/<id>/json`: one container's inspect (not the list, `/containers/json`). */
const INSPECT = /^GET (\/v[\d.]+)?\/containers\/[^/?\s]+\/json[?\s]/;

export class DockerProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  /** The DOCKER_HOST value that reaches this proxy, once open. */
  host = '';

  /** `path`: a unix socket to listen on, or `tcp` for a free port on 127.0.0.1. */
  constructor(
    private readonly path: string,
    private readonly options: { inspectDelayMs?: number } = {},
  ) {}

  open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection('/var/run/docker.sock');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      const delay = this.options.inspectDelayMs ?? 0;
      if (delay === 0) {
        client.pipe(upstream).pipe(client);
        return;
      }
      // Answers on this connection wait until `delay` after the inspect that asked; in order.
      let heldUntil = 0;
      let sent = Promise.resolve();
      client.on('data', (chunk: Buffer) => {
        if (INSPECT.test(chunk.toString('latin1', 0, 200))) heldUntil = Date.now() + delay;
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        const until = heldUntil;
        sent = sent.then(async () => {
          if (until > Date.now()) await sleep(until - Date.now());
          client.write(chunk);
        });
      });
      client.on('end', () => upstream.end());
      upstream.on('end', () => void sent.then(() => client.end()));
    });
    this.server = server;
    return new Promise((resolve) => {
      const listening = () => {
        const address = server.address();
        this.host = typeof address === 'string' || address === null ? `unix://${this.path}` : `tcp://127.0.0.1:${address.port}`;
        resolve();
      };
      if (this.path === 'tcp') server.listen(0, '127.0.0.1', listening);
      else server.listen(this.path, listening);
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
