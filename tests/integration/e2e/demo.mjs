// `neo-events demo` as users run it (scripts/dev.sh): the development setup serving the built
// portals, the demo login and the simulated services as its child process. Started from the
// repository (so its defaults web/dist and examples/services/run.mjs are found) on a free port
// with known secrets, so a restart on the same port keeps the portals' tokens valid.
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { startRedis } from '../redis.mjs';
import { REPO_ROOT, freePort, spawnServer, waitServing } from '../harness.mjs';

export const WEB_DIST = path.join(REPO_ROOT, 'web', 'dist');

/**
 * The engine for demos: memory (the development setup's), or under NEO_TEST_ENGINE=redis a real
 * redis-server through the NEO_EVENTS_ENGINE_* overrides. Resolves {env, stop()}.
 */
export async function demoEngine() {
  if (process.env.NEO_TEST_ENGINE !== 'redis') return { env: {}, stop: async () => {} };
  const redis = await startRedis();
  return {
    env: { NEO_EVENTS_ENGINE_TYPE: 'redis', NEO_EVENTS_ENGINE_REDIS_ADDRESSES: redis.url },
    stop: () => redis.stop(),
  };
}

/** Identity of a demo (port and secrets): pass it again to start the same demo after a stop. */
export async function demoIdentity() {
  return {
    port: await freePort(),
    apiKey: randomBytes(24).toString('hex'),
    secret: randomBytes(24).toString('hex'),
  };
}

/**
 * Starts `neo-events demo [args]` with `identity` (demoIdentity()) and `engineEnv`; resolves the
 * process (harness spawnServer: output, stop()) with url, wsUrl, apiKey and secret once
 * /health answers 200 and the banner is out.
 */
export async function startDemo({ args = [], identity, engineEnv = {} }) {
  const { port, apiKey, secret } = identity;
  const server = spawnServer(['demo', ...args], {
    cwd: REPO_ROOT,
    env: {
      NEO_EVENTS_HTTP_LISTEN: `127.0.0.1:${port}`,
      NEO_EVENTS_API_KEY: apiKey,
      NEO_EVENTS_CLIENT_TOKEN_HMAC_SECRET: secret,
      ...engineEnv,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  Object.assign(server, { port, url, wsUrl: `ws://127.0.0.1:${port}/connection/websocket`, apiKey, secret });
  await waitServing(server, url, 'neo-events demo', () => server.stdout.includes('Demo users'));
  return server;
}

/** POST /demo/login {"user"}: {status, body}. */
export async function demoLogin(demo, user) {
  const res = await fetch(`${demo.url}/demo/login`, { method: 'POST', body: JSON.stringify({ user }) });
  return { status: res.status, body: await res.json() };
}
