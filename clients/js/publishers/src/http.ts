import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A request that failed before a complete answer: the connection broke, or the time ran out. */
export class TransportFailure extends Error {
  constructor(
    readonly reason: 'network' | 'timeout',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface PendingRequest {
  answer: Promise<HttpAnswer>;
  /** Ends the request now; `answer` rejects with a network failure. */
  abort(): void;
}

/**
 * POSTs `body` (JSON) to `url` through `agent` and reads the whole answer. The whole exchange
 * (connect, send, answer) must finish within `timeoutMs`.
 */
export function postJson(
  url: URL,
  body: string,
  headers: Record<string, string>,
  agent: http.Agent,
  timeoutMs: number,
): PendingRequest {
  const lib = url.protocol === 'https:' ? https : http;
  let req: http.ClientRequest | undefined;
  const answer = new Promise<HttpAnswer>((resolve, reject) => {
    const payload = Buffer.from(body, 'utf8');
    req = lib.request(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(payload.length) },
    });
    const timer = setTimeout(() => {
      req!.destroy(new TransportFailure('timeout', `no answer from ${url.origin} within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(
        error instanceof TransportFailure
          ? error
          : new TransportFailure('network', `request to ${url.origin} failed: ${error.message}`, { cause: error }),
      );
    };
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', fail);
      res.on('aborted', () => fail(new Error('answer cut short')));
      res.on('end', () => {
        clearTimeout(timer);
        if (!res.complete) return fail(new Error('answer cut short'));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.end(payload);
  });
  return {
    answer,
    abort() {
      req?.destroy(new Error('aborted: the client is closing'));
    },
  };
}
