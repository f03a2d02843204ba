// Clients of the unidirectional transports as their users write them: fetch() reading a
// streamed response (uni_http_stream, uni_sse by POST) and the npm `eventsource` package.
import { EventSource } from 'eventsource';

import { EVENT_TIMEOUT, track } from '../harness.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it holds; rejects after `timeoutMs` with `what()` in the message. */
export async function eventually(cond, what, timeoutMs = EVENT_TIMEOUT) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await sleep(10);
  }
}

/** Resolves the first of `s.pushes` satisfying `pred`, once it has arrived. */
async function firstPush(s, pred, timeoutMs = EVENT_TIMEOUT) {
  await eventually(() => s.pushes.some(pred), () => `a matching push; got ${JSON.stringify(s.pushes).slice(0, 600)}`, timeoutMs);
  return s.pushes.find(pred);
}

/** Splits what arrived so far into complete messages; returns [messages, rest]. */
function splitMessages(buffer, sse) {
  const separator = sse ? '\n\n' : '\n';
  const parts = buffer.split(separator);
  const rest = parts.pop();
  const messages = [];
  for (const part of parts) {
    if (sse) {
      const data = part
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data !== '') messages.push(data);
    } else if (part !== '') {
      messages.push(part);
    }
  }
  return [messages, rest];
}

/**
 * Opens a streamed request with fetch. Resolves once the head is in: {status, headers, body
 * (non-200 only), pushes (parsed, in order, pings included as {}), raw, ended, close()}.
 */
export async function openStream(url, { method = 'POST', body, headers = {}, sse = false } = {}) {
  const abort = new AbortController();
  const res = await fetch(url, { method, body, headers, signal: abort.signal });
  const s = {
    status: res.status,
    headers: res.headers,
    body: undefined,
    raw: '',
    pushes: [],
    ended: false,
    close() {
      abort.abort();
    },
    /** Resolves the first push satisfying `pred`. */
    push: (pred, timeoutMs) => firstPush(s, pred, timeoutMs),
    async end(timeoutMs = EVENT_TIMEOUT) {
      await eventually(() => s.ended, 'the end of the stream', timeoutMs);
    },
  };
  if (res.status !== 200) {
    s.body = await res.text();
    s.ended = true;
    return s;
  }
  track(s);
  (async () => {
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of res.body) {
      const text = decoder.decode(chunk, { stream: true });
      s.raw += text;
      const [messages, rest] = splitMessages(pending + text, sse);
      pending = rest;
      for (const m of messages) s.pushes.push(JSON.parse(m));
    }
  })()
    .catch(() => {})
    .finally(() => {
      s.ended = true;
    });
  return s;
}

/** An npm `eventsource` EventSource on `url`, collecting parsed messages and errors. */
export function openEventSource(url, init) {
  const es = new EventSource(url, init);
  const s = {
    es,
    pushes: [],
    errors: [],
    opened: false,
    close() {
      es.close();
    },
    push: (pred, timeoutMs) => firstPush(s, pred, timeoutMs),
  };
  es.onopen = () => {
    s.opened = true;
  };
  es.onmessage = (event) => s.pushes.push(JSON.parse(event.data));
  es.onerror = (event) => s.errors.push(event);
  return track(s);
}
