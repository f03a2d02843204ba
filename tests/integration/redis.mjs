// A real redis-server for the tests: started on a free loopback port in a temp dir, stopped
// (or killed, to simulate a crash) by the test.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { freePort } from './support/ports.mjs';

// `password`: AUTH first (a server with requirepass answers PING with NOAUTH).
function ping(port, password) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('connect', () => socket.write(password ? `AUTH ${password}\r\nPING\r\n` : 'PING\r\n'));
    socket.on('data', (d) => {
      data += d;
      const lines = data.split('\r\n');
      if (lines.length > (password ? 2 : 1)) {
        socket.destroy();
        resolve(lines[password ? 1 : 0] === '+PONG');
      }
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Starts redis-server; `appendonly` keeps data across restarts (as the seeds' compose file);
 * `args` are more options, e.g. ['--replicaof', '127.0.0.1', '6379']; `password` is the
 * requirepass among them, for the readiness check.
 */
export async function startRedis({ appendonly = false, port, args: extra = [], password } = {}) {
  port = port ?? (await freePort());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-events-redis-'));
  const redis = { port, url: `redis://127.0.0.1:${port}`, dir, child: null };
  redis.start = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
      '--appendonly', appendonly ? 'yes' : 'no', '--appendfsync', 'always', ...extra];
    redis.child = spawn('redis-server', args, { stdio: 'ignore' });
    const exited = new Promise((resolve) => redis.child.once('exit', resolve));
    redis.exited = exited;
    for (let i = 0; i < 100; i++) {
      if (await ping(port, password)) return redis;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server did not start on ${port}`);
  };
  /** SIGKILL: a crash, no shutdown save. */
  redis.kill = async () => {
    if (!redis.child || redis.child.exitCode !== null) return;
    redis.child.kill('SIGKILL');
    await redis.exited;
  };
  redis.stop = async () => {
    await redis.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => redis.child && redis.child.kill('SIGKILL'));
  return redis.start();
}
