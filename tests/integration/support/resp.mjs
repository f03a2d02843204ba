// A tiny RESP2 client over node:net, so the Redis-engine tests can look at what the server
// wrote into redis-server without depending on redis-cli. One connection per call: the tests
// only need a handful of reads.
import net from 'node:net';

function encode(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) {
    const s = Buffer.from(String(a));
    out += `$${s.length}\r\n${s.toString('binary')}\r\n`;
  }
  return Buffer.from(out, 'binary');
}

/** Parses one reply from buf at pos; returns {value, pos} or null if incomplete. */
function parse(buf, pos) {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString('utf8', pos + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
      return { value: line, pos: next };
    case '-':
      return { value: new RespError(line), pos: next };
    case ':':
      return { value: Number(line), pos: next };
    case '$': {
      const n = Number(line);
      if (n < 0) return { value: null, pos: next };
      if (buf.length < next + n + 2) return null;
      return { value: buf.toString('utf8', next, next + n), pos: next + n + 2 };
    }
    case '*': {
      const n = Number(line);
      if (n < 0) return { value: null, pos: next };
      const items = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, p);
        if (!item) return null;
        items.push(item.value);
        p = item.pos;
      }
      return { value: items, pos: p };
    }
    default:
      throw new Error(`RESP: unexpected type byte ${JSON.stringify(type)}`);
  }
}

export class RespError extends Error {}

/** Sends one command to 127.0.0.1:port and resolves its reply (Redis errors reject). */
export function redisCommand(port, ...args) {
  return exchange(port, [args]);
}

/** The same after AUTH `password` on the same connection (a server with requirepass). */
export function redisCommandAuth(port, password, ...args) {
  return exchange(port, [['AUTH', password], args]);
}

/** Sends `commands` pipelined; resolves the last reply, rejects at the first Redis error. */
function exchange(port, commands) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const fail = (err) => {
      socket.destroy();
      reject(err);
    };
    const last = commands.at(-1);
    socket.setTimeout(3000, () => fail(new Error(`RESP: no reply from 127.0.0.1:${port} to ${last[0]} within 3 s`)));
    socket.on('error', fail);
    socket.on('connect', () => socket.write(Buffer.concat(commands.map(encode))));
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const replies = [];
      try {
        for (let pos = 0, parsed; replies.length < commands.length; pos = parsed.pos) {
          parsed = parse(buf, pos);
          if (!parsed) return;
          replies.push(parsed.value);
        }
      } catch (e) {
        return fail(e);
      }
      socket.destroy();
      const error = replies.find((r) => r instanceof RespError);
      if (error) reject(error);
      else resolve(replies.at(-1));
    });
  });
}

/** Every key matching `pattern` (SCAN, bounded number of rounds). */
export async function redisKeys(port, pattern) {
  const keys = new Set();
  let cursor = '0';
  for (let round = 0; round < 1000; round++) {
    const [next, batch] = await redisCommand(port, 'SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000);
    for (const k of batch) keys.add(k);
    cursor = next;
    if (cursor === '0') return [...keys].sort();
  }
  throw new Error(`SCAN ${pattern} on ${port} did not finish`);
}
