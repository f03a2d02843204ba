// Abusive clients for abuse.test.mjs: each kind opens a connection, misbehaves in one way and
// reports how it ended. Plain `ws` and `net` sockets (not the harness's tracked rawWs): there
// are thousands of them and they must be gone when the round ends. Loopback only.
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import net from 'node:net';

import WebSocket from 'ws';

import { claimsFor, makeNoneToken, makeToken, nowSec } from '../harness.mjs';

export const GOOD_MARKER = 'good-marker-7f3a';

/** One WebSocket attempt: resolves {code, replies, leaks} once closed (or `timeout`). */
function session(server, script, { timeoutMs = 4000, signal } = {}) {
  return new Promise((resolve) => {
    const ws = new WebSocket(server.wsUrl, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const replies = [];
    let leaks = 0;
    let done = false;
    const finish = (out) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve({ replies, leaks, ...out });
    };
    const timer = setTimeout(() => {
      ws.terminate();
      finish({ code: 'timeout' });
    }, timeoutMs);
    const onAbort = () => {
      ws.terminate();
      finish({ code: 'aborted' });
    };
    signal?.addEventListener('abort', onAbort);
    const waiters = [];
    const api = {
      ws,
      send: (obj) => ws.readyState === WebSocket.OPEN && ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)),
      /** Resolves the reply with `id` (or undefined when the socket closes first). */
      reply: (id) =>
        new Promise((res) => {
          const found = replies.find((m) => m.id === id);
          if (found || done || ws.readyState >= WebSocket.CLOSING) return res(found);
          waiters.push({ id, res });
        }),
      /** Waits for `n` replies in total (or the close). */
      replies: (n) =>
        new Promise((res) => {
          const check = () => {
            if (replies.length >= n || done || ws.readyState >= WebSocket.CLOSING) return res(replies), true;
            return false;
          };
          if (!check()) waiters.push({ check });
        }),
      finish,
    };
    ws.on('message', (data) => {
      const text = data.toString('utf8');
      if (text.includes(GOOD_MARKER) || text.includes('tenant:GOOD:')) {
        // Only a publication or a subscribe push for the good tenant would be a leak; replies
        // that echo the channel name in an error do not carry it (they carry only the code).
        for (const line of text.split('\n')) {
          try {
            const m = JSON.parse(line);
            if (m.push || line.includes(GOOD_MARKER)) leaks++;
          } catch {
            /* not JSON */
          }
        }
      }
      for (const line of text.split('\n')) {
        let m;
        try {
          m = JSON.parse(line);
        } catch {
          continue;
        }
        if (m && typeof m.id === 'number') replies.push(m);
      }
      for (const w of [...waiters]) {
        if (w.check ? w.check() : replies.some((m) => m.id === w.id)) {
          waiters.splice(waiters.indexOf(w), 1);
          if (!w.check) w.res(replies.find((m) => m.id === w.id));
        }
      }
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      for (const w of waiters.splice(0)) {
        if (w.check) w.check();
        else w.res(replies.find((m) => m.id === w.id));
      }
      finish({ code });
    });
    ws.on('open', () => {
      Promise.resolve(script(api)).catch(() => {});
    });
  });
}

/** A manual handshake on a plain TCP socket, then half a frame, then the socket is dropped. */
function dropMidFrame(server, { reset = false, timeoutMs = 4000 } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect(server.port, '127.0.0.1');
    let buf = '';
    let done = false;
    const finish = (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ code, replies: [], leaks: 0 });
    };
    const timer = setTimeout(() => {
      sock.destroy();
      finish('timeout');
    }, timeoutMs);
    sock.on('error', () => finish('dropped'));
    sock.on('close', () => finish(buf.startsWith('HTTP/1.1 101') ? 'dropped' : 'no-upgrade'));
    sock.on('connect', () => {
      sock.write(
        'GET /connection/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    let sentFrame = false;
    sock.on('data', (d) => {
      if (sentFrame) return;
      buf += d.toString('latin1');
      if (!buf.includes('\r\n\r\n')) return;
      sentFrame = true;
      if (!buf.startsWith('HTTP/1.1 101')) return sock.destroy();
      // A masked text frame announcing 2000 bytes; send 37 of them and vanish.
      const header = Buffer.from([0x81, 0x80 | 126, 0x07, 0xd0]);
      const mask = randomBytes(4);
      const payload = Buffer.from('{"connect":{"token":"eyJhbGciOiJIUzI1NiJ9', 'latin1');
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      sock.write(Buffer.concat([header, mask, payload]), () => {
        if (reset && typeof sock.resetAndDestroy === 'function') sock.resetAndDestroy();
        else sock.destroy();
      });
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The kinds of abuse: each `run(server, env)` resolves {code, replies, leaks}; `expect` lists
 * the outcomes the server may answer with (close codes, or strings for the special ones).
 */
export function abuseKinds({ maxMessageBytes }) {
  const evil = (server, extra = {}) =>
    makeToken(server.secret, claimsFor({ user: `evil-${randomBytes(3).toString('hex')}`, tenant: 'EVIL', roles: ['tenant_admin'], ...extra }));
  const goodClaims = () => ({ ...claimsFor({ user: 'good-user', tenant: 'GOOD', roles: ['tenant_admin'] }), channels: ['tenant:GOOD:deployments'] });
  const connectThen = (token, after) => async (c) => {
    c.send({ connect: { token }, id: 1 });
    const reply = await c.reply(1);
    if (reply?.connect) await after(c);
  };
  return {
    malformedJson: {
      expect: [3501],
      run: (server, o) => session(server, (c) => c.send('{"connect":{"token":'), o),
    },
    blankFrame: {
      expect: [3501],
      run: (server, o) => session(server, (c) => c.send('\n'), o),
    },
    oversizeFrame: {
      expect: [1009],
      run: (server, o) => session(server, (c) => c.send(JSON.stringify({ connect: { token: 'x'.repeat(maxMessageBytes + 10) }, id: 1 })), o),
    },
    commandBeforeConnect: {
      expect: [3501],
      run: (server, o) => session(server, (c) => c.send({ subscribe: { channel: 'tenant:GOOD:deployments' }, id: 1 }), o),
    },
    secondConnect: {
      expect: [3501],
      run: (server, o) => session(server, connectThen(evil(server), (c) => c.send({ connect: { token: evil(server) }, id: 2 })), o),
    },
    unknownMethod: {
      expect: [3501],
      run: (server, o) => session(server, connectThen(evil(server), (c) => c.send({ frobnicate: { channel: 'tenant:GOOD:deployments' }, id: 2 })), o),
    },
    forgedToken: {
      expect: [3500],
      run: (server, o) => session(server, (c) => c.send({ connect: { token: makeToken('not-the-secret', goodClaims()) }, id: 1 }), o),
    },
    algNone: {
      expect: [3500],
      run: (server, o) => session(server, (c) => c.send({ connect: { token: makeNoneToken(goodClaims()) }, id: 1 }), o),
    },
    expiredToken: {
      // Error 109 (the client would fetch a new token); the abuser then hangs up.
      expect: ['reply 109'],
      run: async (server, o) => {
        const token = makeToken(server.secret, { ...goodClaims(), exp: nowSec() - 60 });
        const out = await session(
          server,
          async (c) => {
            c.send({ connect: { token }, id: 1 });
            const reply = await c.reply(1);
            c.ws.terminate();
            c.finish({ code: reply?.error ? `reply ${reply.error.code}` : reply ? 'accepted!' : 'no reply' });
          },
          o,
        );
        return out;
      },
    },
    unaskedPong: {
      expect: [3501],
      run: (server, o) => session(server, connectThen(evil(server), (c) => c.send('{}')), o),
    },
    subscribeFlood: {
      // 40 subscribes to the good tenant's and admin channels in one frame: every reply 103,
      // then the abuser hangs up.
      expect: ['all 103'],
      run: (server, o) =>
        session(
          server,
          connectThen(evil(server, { roles: ['tenant_user'] }), async (c) => {
            const channels = ['tenant:GOOD:deployments', 'tenant:GOOD:billing', 'tenant:GOOD:x', 'admin:alerts', 'tenant:GOODX:y', 'tenant:*:deployments'];
            const frame = Array.from({ length: 40 }, (_, i) => JSON.stringify({ subscribe: { channel: channels[i % channels.length] }, id: i + 2 })).join('\n');
            c.send(frame);
            const replies = await c.replies(41);
            const codes = new Set(replies.filter((m) => m.id > 1).map((m) => m.error?.code ?? 'ok'));
            c.ws.terminate();
            c.finish({ code: replies.length === 41 && codes.size === 1 && codes.has(103) ? 'all 103' : `codes ${[...codes]} (${replies.length})` });
          }),
          o,
        ),
    },
    publishFlood: {
      expect: ['all 103'],
      run: (server, o) =>
        session(
          server,
          connectThen(evil(server), async (c) => {
            const frame = Array.from({ length: 20 }, (_, i) =>
              JSON.stringify({ publish: { channel: 'tenant:GOOD:deployments', data: { forged: true, goodSeq: -1 } }, id: i + 2 }),
            ).join('\n');
            c.send(frame);
            const replies = await c.replies(21);
            const codes = new Set(replies.filter((m) => m.id > 1).map((m) => m.error?.code ?? 'ok'));
            c.ws.terminate();
            c.finish({ code: replies.length === 21 && codes.size === 1 && codes.has(103) ? 'all 103' : `codes ${[...codes]} (${replies.length})` });
          }),
          o,
        ),
    },
    refreshForeign: {
      // refresh with a token of another user (the good one): 3500.
      expect: [3500],
      run: (server, o) =>
        session(server, connectThen(evil(server), (c) => c.send({ refresh: { token: makeToken(server.secret, goodClaims()) }, id: 2 })), o),
    },
    dropMidFrame: {
      expect: ['dropped'],
      run: (server) => dropMidFrame(server, { reset: false }),
    },
    resetMidFrame: {
      expect: ['dropped'],
      run: (server) => dropMidFrame(server, { reset: true }),
    },
    dropAfterConnect: {
      // A connected client whose socket vanishes in the middle of a frame.
      expect: ['dropped'],
      run: (server, o) =>
        session(
          server,
          connectThen(evil(server), (c) => {
            const sock = c.ws._socket;
            const header = Buffer.from([0x81, 0x80 | 126, 0x03, 0xe8]);
            sock.write(Buffer.concat([header, randomBytes(4), Buffer.from('{"subscribe":')]), () => sock.destroy());
            c.finish({ code: 'dropped' });
          }),
          o,
        ),
    },
    reconnectStorm: {
      // Reconnects at once whenever it is closed (five forged attempts back to back).
      expect: ['5 × 3500'],
      run: async (server, o) => {
        const codes = [];
        let leaks = 0;
        for (let i = 0; i < 5 && !o?.signal?.aborted; i++) {
          const r = await session(server, (c) => c.send({ connect: { token: makeNoneToken(goodClaims()) }, id: 1 }), o);
          codes.push(r.code);
          leaks += r.leaks;
        }
        if (o?.signal?.aborted) return { code: 'aborted', replies: [], leaks };
        return { code: codes.every((c) => c === 3500) ? '5 × 3500' : `codes ${codes}`, replies: [], leaks };
      },
    },
  };
}

/**
 * Runs `actors` concurrent abusers for at least `durationMs` and until `until` (a promise, e.g.
 * the publisher finishing) settles, at most `maxMs`: actor i repeats kind i % kinds, pausing a
 * random `pauseMs` between attempts. Resolves per-kind stats {attempts, outcomes{}, leaks}.
 */
export async function hammer(server, kinds, { actors, durationMs, maxMs = durationMs * 3, until = Promise.resolve(), pauseMs: [minPause, maxPause] }) {
  const names = Object.keys(kinds);
  const stats = Object.fromEntries(names.map((n) => [n, { attempts: 0, outcomes: {}, leaks: 0 }]));
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const start = Date.now();
  let untilDone = false;
  until.finally(() => (untilDone = true));
  const running = () => Date.now() - start < durationMs || (!untilDone && Date.now() - start < maxMs);
  const stopTimer = setTimeout(() => controller.abort(), maxMs + 4000);
  const actor = async (i) => {
    const name = names[i % names.length];
    await sleep(Math.floor((i / actors) * Math.min(1000, durationMs / 4))); // ramp up over ~1 s
    while (running()) {
      const out = await kinds[name].run(server, { signal: controller.signal });
      if (out.code === 'aborted') break;
      const s = stats[name];
      s.attempts++;
      s.outcomes[out.code] = (s.outcomes[out.code] ?? 0) + 1;
      s.leaks += out.leaks;
      await sleep(minPause + Math.random() * (maxPause - minPause));
    }
  };
  await Promise.all(Array.from({ length: actors }, (_, i) => actor(i)));
  clearTimeout(stopTimer);
  return stats;
}
