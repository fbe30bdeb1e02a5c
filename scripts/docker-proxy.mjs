// A unix-socket proxy in front of dockerd that the demo script can cut: SIGUSR2 toggles it
// closed (every connection dropped, as when dockerd stops) and open again. (SIGUSR1 belongs to
// Node's inspector.)
import { rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

const path = process.argv[2];
const sockets = new Set();
let server;

function open() {
  rmSync(path, { force: true });
  server = createServer((client) => {
    const upstream = createConnection('/var/run/docker.sock');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  server.listen(path);
}

function close() {
  for (const s of sockets) s.destroy();
  server.close();
  server = undefined;
}

process.on('SIGUSR2', () => (server ? close() : open()));
// Closed, the proxy has nothing else keeping it alive until it is reopened.
setInterval(() => {}, 1 << 30);
open();
