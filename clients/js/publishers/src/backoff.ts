export interface BackoffOptions {
  /** Ceiling of the first retry's delay (ms). Default 100. */
  initialMs?: number;
  /** The ceiling doubles per retry up to this (ms). Default 10000. */
  maxMs?: number;
}

/** The longest Retry-After honoured (ms); a longer one waits this long. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Delay before retry number `attempt` (1 = the first retry): exponential with "equal jitter",
 * uniformly in [ceiling / 2, ceiling) where ceiling = min(maxMs, initialMs * 2^(attempt - 1)).
 * Half the delay is kept so a retry never comes at once; the random half spreads the retries of
 * many publishers that failed together.
 */
export function backoffDelay(attempt: number, options: Required<BackoffOptions>, random: () => number): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/**
 * Retry-After (RFC 9110: delay-seconds or an HTTP-date) in ms from `now`, capped at
 * MAX_RETRY_AFTER_MS; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}
