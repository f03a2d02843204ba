// Free loopback ports for the servers a test starts. A port is free only until someone binds
// it, and the kernel may hand the same ephemeral port to two callers in a row once the first
// probe socket is closed (the server's port, then its redis-server's: "bind: Address already
// in use"). So every port handed out in this process is remembered and never handed out again.
import net from 'node:net';

const handedOut = new Set();

function probe() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function freePort() {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = await probe();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port that was not handed out already');
}
