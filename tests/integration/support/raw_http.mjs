// Raw HTTP/1.x over a plain socket, for what fetch() would never send: smuggling attempts,
// broken framing, heads without their bodies. Every wait is bounded.
import net from 'node:net';

/**
 * Opens a connection to the server. `send(bytes)` writes; `responses` fills as answers arrive
 * ({status, headers (lower-case names), body}); `closed` resolves when the server closed (FIN or
 * reset); `next(n)` resolves once n responses arrived (rejects on close before, or after 5 s).
 */
export function rawHttp(port) {
  const socket = net.connect(port, '127.0.0.1');
  let buffer = Buffer.alloc(0);
  const responses = [];
  const waiters = [];
  let closedFlag = false;
  let resolveClosed;
  const closed = new Promise((r) => (resolveClosed = r));
  function parse() {
    for (;;) {
      const head = buffer.indexOf('\r\n\r\n');
      if (head < 0) return;
      const lines = buffer.subarray(0, head).toString('latin1').split('\r\n');
      const headers = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? 0);
      if (buffer.length < head + 4 + length) return;
      const body = buffer.subarray(head + 4, head + 4 + length).toString();
      responses.push({ status: Number(lines[0].split(' ')[1]), statusLine: lines[0], headers, body });
      buffer = buffer.subarray(head + 4 + length);
    }
  }
  function settle() {
    for (const w of [...waiters]) {
      if (responses.length >= w.n) w.resolve(responses.slice(0, w.n));
      else if (closedFlag) w.reject(new Error(`closed after ${responses.length}/${w.n} responses`));
      else continue;
      clearTimeout(w.timer);
      waiters.splice(waiters.indexOf(w), 1);
    }
  }
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    parse();
    settle();
  });
  const onClose = () => {
    if (closedFlag) return;
    closedFlag = true;
    resolveClosed();
    settle();
  };
  socket.on('end', onClose);
  socket.on('close', onClose);
  socket.on('error', onClose); // a reset after the answer (we were still sending) is a close too
  return {
    socket,
    responses,
    closed,
    get isClosed() {
      return closedFlag;
    },
    send(bytes) {
      return new Promise((resolve) => {
        if (socket.destroyed) return resolve(false);
        socket.write(bytes, (error) => resolve(!error));
      });
    },
    next(n = responses.length + 1) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${responses.length}/${n} responses in 5 s`)), 5000);
        waiters.push({ n, resolve, reject, timer });
        settle();
      });
    },
    /** Resolves true when the server closes within `ms`, false otherwise. */
    closesWithin(ms = 3000) {
      return Promise.race([closed.then(() => true), new Promise((r) => setTimeout(() => r(false), ms))]);
    },
    destroy() {
      socket.destroy();
    },
  };
}

/** The head of a request; `headers` is an array of [name, value] (repeats allowed). */
export function head(method, target, headers, version = '1.1') {
  return `${method} ${target} HTTP/${version}\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
}

/** A complete API publish request (Content-Length framing). */
export function publishRequest(apiKey, channel, data) {
  const body = JSON.stringify({ channel, data });
  return (
    head('POST', '/api/publish', [
      ['Host', '127.0.0.1'],
      ['X-API-Key', apiKey],
      ['Content-Type', 'application/json'],
      ['Content-Length', Buffer.byteLength(body)],
    ]) + body
  );
}
