#!/usr/bin/env node
// Simulated NEO_STACK backend services publishing the catalogue's events through
// @neo-events/publishers: deployments, billing, monitoring, notifications, tenant activity and
// presence, for a few tenants. See README.md.
//
//   node examples/services/run.mjs --url http://127.0.0.1:8000 --api-key KEY --tenants 1,2 [--duration 60s]
import { parseArgs } from 'node:util';

import { EventClient, checkId, createPublishers } from '@neo-events/publishers';

import { Scheduler, billing, certification, deployments, monitoring, people, systemMetrics } from './simulators.mjs';

const USAGE = `usage: node examples/services/run.mjs --url URL --api-key KEY [--tenants 1,2] [--duration 60s]
                                  [--step 400ms] [--quiet]
  --url        the neo-events server, e.g. http://127.0.0.1:8000 (env NEO_SERVICES_URL)
  --api-key    its API key (api.key) (env NEO_SERVICES_API_KEY)
  --tenants    comma-separated tenant ids (default 1,2)
  --duration   stop after this long (e.g. 30s, 2m, 500ms; default: until SIGINT/SIGTERM)
  --step       time between a deployment's progress steps (default 400ms)
  --quiet      print only the summary, not every event`;

/** `1h`, `2m`, `30s`, `500ms`, `1m30s` -> ms. */
export function parseDuration(text) {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let m;
  let at = 0;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * unit[m[2]];
    at = re.lastIndex;
  }
  if (at === 0 || at !== text.length) throw new Error(`bad duration ${JSON.stringify(text)} (e.g. 30s, 2m, 500ms)`);
  return total;
}

function options(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string', default: process.env.NEO_SERVICES_URL },
      'api-key': { type: 'string', default: process.env.NEO_SERVICES_API_KEY },
      tenants: { type: 'string', default: '1,2' },
      duration: { type: 'string' },
      step: { type: 'string', default: '400ms' },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (!values.url || !values['api-key']) throw new Error('--url and --api-key are required');
  const tenants = values.tenants.split(',').map((t) => t.trim());
  tenants.forEach((t) => checkId('tenant id', t));
  return {
    url: values.url,
    apiKey: values['api-key'],
    tenants,
    durationMs: values.duration === undefined ? undefined : parseDuration(values.duration),
    stepMs: parseDuration(values.step),
    quiet: values.quiet,
  };
}

function describe({ channel, event: e }) {
  const detail = {
    deployment_update: () => `${e.deploymentId} ${e.status}${e.progress === undefined ? '' : ` ${e.progress}%`}`,
    deployment_log: () => `${e.deploymentId} [${e.level}] ${e.log}`,
    invoice_event: () => `${e.invoiceId} ${e.event} ${e.amount}`,
    usage_update: () => `${e.resource} ${e.usage}/${e.limit} (${e.percentage.toFixed(1)}%)`,
    alert: () => `[${e.severity}] ${e.message}`,
    metrics_update: () => JSON.stringify(e.metrics),
    notification: () => `[${e.level}] ${e.title}: ${e.message}`,
    tenant_activity: () => `${e.tenantId} ${e.activity}${e.userId ? ` by ${e.userId}` : ''}`,
    presence_update: () => `${e.userId} ${e.status}`,
    exam_timer: () => `${e.examId} ends ${new Date(e.endsAt).toISOString()}`,
    proctoring_event: () => `${e.examId} ${e.userId} ${e.event}`,
    exam_result: () => `${e.examId} ${e.userId} ${e.score}`,
  }[e.type];
  return `${e.timestamp} ${channel} ${e.type} ${detail ? detail() : ''}`;
}

/**
 * A view of `publisher` for the simulators: publish* calls never reject (failures go to the
 * publisher's `error` event) and do nothing once the scheduler stopped (a simulator in the middle
 * of a sequence of awaited publications must not reach the closed client).
 */
function settled(publisher, scheduler) {
  return new Proxy(publisher, {
    get(target, key) {
      const value = target[key];
      if (typeof value !== 'function' || !String(key).startsWith('publish')) return value;
      return async (...args) => (scheduler.stopped ? undefined : value.apply(target, args).catch(() => undefined));
    },
  });
}

/** The server API `info`: its `nodes`, or null (reported) when the call fails. */
async function readInfo({ url, apiKey }) {
  try {
    const res = await fetch(new URL('/api/info', url), {
      method: 'POST',
      headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(2000),
    });
    const body = await res.json();
    if (!body.result) throw new Error(JSON.stringify(body.error ?? body));
    return body.result.nodes;
  } catch (error) {
    console.error(`services: info failed: ${error.message}`);
    return null;
  }
}

async function main() {
  let o;
  try {
    o = options(process.argv.slice(2));
  } catch (e) {
    console.error(`services: ${e.message}\n${USAGE}`);
    process.exit(2);
  }
  const client = new EventClient({ url: o.url, apiKey: o.apiKey });
  const counts = {};
  let failures = 0;
  const raw = createPublishers(client);
  for (const p of Object.values(raw)) {
    p.on('published', (pub) => {
      counts[pub.event.type] = (counts[pub.event.type] ?? 0) + 1;
      if (!o.quiet) console.log(describe(pub));
    });
    p.on('error', (error, { channel }) => {
      failures++;
      console.error(`services: publishing to ${channel ?? '?'} failed: ${error.message}`);
    });
  }
  const s = new Scheduler();
  const publishers = Object.fromEntries(Object.entries(raw).map(([k, p]) => [k, settled(p, s)]));
  console.error(
    `services: publishing to ${o.url} for tenants ${o.tenants.join(', ')}` +
      (o.durationMs === undefined ? ' until SIGINT/SIGTERM' : ` for ${o.durationMs} ms`),
  );
  deployments(publishers, o.tenants, s, { stepMs: o.stepMs });
  billing(publishers, o.tenants, s);
  monitoring(publishers, o.tenants, s);
  people(publishers, o.tenants, s);
  systemMetrics(publishers, s, () => readInfo(o));
  certification(
    (channel, event) => {
      if (s.stopped) return;
      client.publish(channel, event).then(
        () => {
          counts[event.type] = (counts[event.type] ?? 0) + 1;
          if (!o.quiet) console.log(describe({ channel, event }));
        },
        (error) => {
          failures++;
          console.error(`services: publishing to ${channel} failed: ${error.message}`);
        },
      );
    },
    o.tenants,
    s,
  );

  let stopping = false;
  let deadline;
  const stopped = new Promise((resolve) => {
    const stop = (why) => {
      if (stopping) {
        console.error(`services: ${why} again, exiting now`);
        process.exit(130);
      }
      stopping = true;
      console.error(`services: ${why}, stopping`);
      resolve();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    if (o.durationMs !== undefined) deadline = setTimeout(() => stop('duration reached'), o.durationMs);
  });
  await stopped;
  clearTimeout(deadline);
  s.stop();
  // What was already handed to the client is delivered (or given up after 5 s).
  await client.close({ timeoutMs: 5000 });
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.error(`services: published ${total} events ${JSON.stringify(counts)}, ${failures} failed`);
  process.exitCode = failures === 0 ? 0 : 1;
}

await main();
