// A Redis Sentinel set for the tests: a master and replicas (redis-server, the replicas started
// with --replicaof) and sentinels (`redis-server sentinel.conf --sentinel`), all on free loopback
// ports in temp dirs. startSentinelSet() returns once every sentinel knows every replica and the
// other sentinels, so a failover can happen; stop() tears everything down.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startRedis } from '../redis.mjs';
import { until as untilHolds } from './cluster.mjs';
import { freePort } from './ports.mjs';
import { redisCommand, redisCommandAuth } from './resp.mjs';

/** Waits (bounded) until `cond()` holds; a cond that throws (a server not up yet) is false. */
const until = (cond, timeoutMs, what) =>
  untilHolds(async () => {
    try {
      return await cond();
    } catch {
      return false;
    }
  }, timeoutMs, `sentinel set: ${what}`);

/** One sentinel monitoring `name` at 127.0.0.1:masterPort; `password` sets its requirepass. */
async function startSentinel(dir, name, masterPort, { quorum, downAfterMs, failoverTimeoutMs, password, masterPassword }) {
  const port = await freePort();
  const conf = path.join(dir, `sentinel-${port}.conf`);
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${quorum}`,
      `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
      `sentinel failover-timeout ${name} ${failoverTimeoutMs}`,
      `sentinel parallel-syncs ${name} 1`,
      ...(password ? [`requirepass ${password}`] : []),
      ...(masterPassword ? [`sentinel auth-pass ${name} ${masterPassword}`] : []),
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.once('exit', () => child.kill('SIGKILL'));
  const sentinel = {
    port,
    url: `redis://127.0.0.1:${port}`,
    /** A command to this sentinel (after AUTH when it has a password). */
    command: (...args) => (password ? redisCommandAuth(port, password, ...args) : redisCommand(port, ...args)),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  await until(async () => (await sentinel.command('PING')) === 'PONG', 5000, `sentinel on ${port}`);
  return sentinel;
}

/**
 * Starts a master, `replicas` replicas of it and `sentinels` sentinels (quorum, down-after and
 * failover-timeout as given; `password`: the sentinels' requirepass; `masterPassword`: the
 * master's and replicas' requirepass, with which they and the sentinels authenticate) and waits
 * until the set can fail over.
 */
export async function startSentinelSet({ name = 'mymaster', replicas = 1, sentinels = 3, quorum = 2, downAfterMs = 1000, failoverTimeoutMs = 3000, password, masterPassword } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-sentinel-'));
  const set = {
    name,
    master: null,
    replicas: [],
    sentinels: [],
    /** The sentinels as engine.redis.sentinel.addresses. */
    addresses: () => set.sentinels.map((s) => s.url),
    /** The port the first live sentinel names as master. */
    async masterPort() {
      for (const s of set.sentinels) {
        try {
          const [, port] = await s.command('SENTINEL', 'get-master-addr-by-name', name);
          return Number(port);
        } catch {
          /* that sentinel is down: the next */
        }
      }
      throw new Error('no sentinel answered');
    },
    /** Waits until every sentinel names a master other than `oldPort` and it says ROLE master. */
    async failedOver(oldPort, timeoutMs = 30_000) {
      await until(async () => {
        for (const s of set.sentinels) {
          const [, port] = await s.command('SENTINEL', 'get-master-addr-by-name', name);
          if (Number(port) === oldPort) return false;
        }
        const [role] = await redisCommand(await set.masterPort(), 'ROLE');
        return role === 'master';
      }, timeoutMs, `a failover away from ${oldPort}`);
      return set.masterPort();
    },
    async stop() {
      await Promise.all(set.sentinels.map((s) => s.kill()));
      for (const r of [set.master, ...set.replicas]) if (r) await r.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const auth = masterPassword ? ['--requirepass', masterPassword, '--masterauth', masterPassword] : [];
    set.master = await startRedis({ args: auth, password: masterPassword });
    for (let i = 0; i < replicas; i++) {
      set.replicas.push(await startRedis({ args: ['--replicaof', '127.0.0.1', String(set.master.port), ...auth], password: masterPassword }));
    }
    for (let i = 0; i < sentinels; i++) {
      set.sentinels.push(await startSentinel(dir, name, set.master.port, { quorum, downAfterMs, failoverTimeoutMs, password, masterPassword }));
    }
    // Sentinels find the replicas from the master's INFO and each other through hello messages
    // on the master (every 2 s): a failover needs both.
    for (const s of set.sentinels) {
      await until(async () => {
        const known = await s.command('SENTINEL', 'replicas', name);
        const peers = await s.command('SENTINEL', 'sentinels', name);
        return known.length === replicas && peers.length === sentinels - 1;
      }, 20_000, `sentinel ${s.port} to know ${replicas} replicas and ${sentinels - 1} other sentinels`);
    }
    for (const r of set.replicas) {
      await until(async () => String(await redisCommand(r.port, 'INFO', 'replication')).includes('master_link_status:up'), 10_000, `replica ${r.port} in sync`);
    }
  } catch (err) {
    await set.stop();
    throw err;
  }
  return set;
}
