// A real Redis Cluster for the tests: 3 masters + 3 replicas, each a redis-server with
// cluster-enabled on free loopback ports (client and bus port both asked of the kernel, never
// fixed) in a temp dir, joined by `redis-cli --cluster create`; torn down by stop().
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { freePort } from './ports.mjs';
import { redisCommand } from './resp.mjs';

const run = promisify(execFile);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(cond, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await cond()) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`redis cluster: timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function startNode(dir) {
  const port = await freePort();
  const busPort = await freePort();
  const args = ['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1',
    '--dir', dir, '--save', '', '--appendonly', 'no', '--cluster-enabled', 'yes',
    '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await until(async () => (await redisCommand(port, 'PING')) === 'PONG', 5000, `redis-server on ${port}`);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    child,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

const clusterInfo = async (port) => String(await redisCommand(port, 'CLUSTER', 'INFO'));

/** Starts 3 masters + 3 replicas and waits until every node reports cluster_state:ok. */
export async function startRedisCluster() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-rcluster-'));
  const nodes = [];
  const live = () => nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
  const cluster = {
    nodes,
    dir,
    seeds: () => nodes.slice(0, 2).map((n) => n.url),
    async stop() {
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
    /** The port of the master that owns `key`'s slot, asked of the cluster. */
    async masterOf(key) {
      return (await cluster.ownersOf(key))[0];
    },
    /** [master port, replica port] of the range holding `key`'s slot. */
    async ownersOf(key) {
      const port = live()[0].port;
      const slot = Number(await redisCommand(port, 'CLUSTER', 'KEYSLOT', key));
      const ranges = await redisCommand(port, 'CLUSTER', 'SLOTS');
      const range = ranges.find(([first, last]) => slot >= Number(first) && slot <= Number(last));
      return [Number(range[2][1]), range[3] ? Number(range[3][1]) : undefined];
    },
    node: (port) => nodes.find((n) => n.port === port),
    /** Waits until the replica on `replicaPort` has applied everything its master wrote. */
    async replicated(masterPort, replicaPort) {
      const offset = async (port, field) => {
        const info = String(await redisCommand(port, 'INFO', 'replication'));
        return Number(info.match(new RegExp(`${field}:(\\d+)`))[1]);
      };
      const target = await offset(masterPort, 'master_repl_offset');
      await until(async () => (await offset(replicaPort, 'slave_repl_offset')) >= target, 10000,
        `replica ${replicaPort} to catch up with ${masterPort}`);
    },
    /**
     * Moves `key`'s slot with its keys from its master to the master on `toPort`, the way
     * redis-cli --cluster reshard does: IMPORTING/MIGRATING, MIGRATE in batches, SETSLOT NODE
     * on every master. `between` runs after the first batch (a slot half migrated: ASK).
     */
    async migrateSlot(key, toPort, between = async () => {}) {
      const [fromPort] = await cluster.ownersOf(key);
      const slot = Number(await redisCommand(fromPort, 'CLUSTER', 'KEYSLOT', key));
      const fromId = await redisCommand(fromPort, 'CLUSTER', 'MYID');
      const toId = await redisCommand(toPort, 'CLUSTER', 'MYID');
      await redisCommand(toPort, 'CLUSTER', 'SETSLOT', slot, 'IMPORTING', fromId);
      await redisCommand(fromPort, 'CLUSTER', 'SETSLOT', slot, 'MIGRATING', toId);
      for (let batch = 0; ; batch++) {
        const keys = await redisCommand(fromPort, 'CLUSTER', 'GETKEYSINSLOT', slot, 1);
        if (keys.length === 0) break;
        await redisCommand(fromPort, 'MIGRATE', '127.0.0.1', toPort, '', 0, 5000, 'KEYS', ...keys);
        if (batch === 0) await between();
      }
      for (const port of await cluster.masterPorts())
        await redisCommand(port, 'CLUSTER', 'SETSLOT', slot, 'NODE', toId);
      return { fromPort, slot };
    },
    async masterPorts() {
      const ranges = await redisCommand(live()[0].port, 'CLUSTER', 'SLOTS');
      return [...new Set(ranges.map((r) => Number(r[2][1])))].sort();
    },
  };
  process.once('exit', () => nodes.forEach((n) => n.child.kill('SIGKILL')));
  try {
    for (let i = 0; i < 6; i++) nodes.push(await startNode(dir));
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas', '1', '--cluster-yes']);
    for (const n of nodes)
      await until(async () => (await clusterInfo(n.port)).includes('cluster_state:ok'), 20000,
        `cluster_state:ok on ${n.port}`);
    // Every node must agree on three masters with a replica each before a client asks one.
    for (const n of nodes)
      await until(async () => {
        const ranges = await redisCommand(n.port, 'CLUSTER', 'SLOTS');
        return new Set(ranges.map((r) => Number(r[2][1]))).size === 3 &&
          ranges.every((r) => r.length >= 4);
      }, 20000, `three masters with replicas in CLUSTER SLOTS of ${n.port}`);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
