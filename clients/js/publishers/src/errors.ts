/**
 * What went wrong with a publication:
 * - `api`: the server answered the publication with an error `{code, message}` (e.g. 102 unknown
 *   channel, 103 permission denied, 107 bad request; 100 and 111 after the retries ran out);
 * - `http`: the request got an HTTP status other than 200 (`code` is the status);
 * - `network`: the connection failed or broke before an answer;
 * - `timeout`: no complete answer within `timeoutMs`;
 * - `protocol`: an answer that is not the server API's (not JSON, wrong number of replies);
 * - `closed`: the client was closed before the publication could be delivered;
 * - `queue_full`: `maxQueue` publications were already waiting.
 */
export type EventErrorKind = 'api' | 'http' | 'network' | 'timeout' | 'protocol' | 'closed' | 'queue_full';

export interface EventErrorDetails {
  kind: EventErrorKind;
  /** The server's error code for `api`, the HTTP status for `http`, 0 otherwise. */
  code: number;
  /** For `api`: the server's message verbatim (e.g. "permission denied"). */
  message: string;
  /** Whether the failure was one that is retried (100, 111, 5xx, network, timeout). */
  temporary: boolean;
  channel?: string;
  /** Requests made for the publication, retries included. */
  attempts?: number;
  cause?: unknown;
}

/** The rejection of a publication that the server refused or that could not be delivered. */
export class EventError extends Error {
  override readonly name = 'EventError';
  readonly kind: EventErrorKind;
  readonly code: number;
  readonly temporary: boolean;
  readonly channel: string | undefined;
  readonly attempts: number;

  constructor(details: EventErrorDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = details.kind;
    this.code = details.code;
    this.temporary = details.temporary;
    this.channel = details.channel;
    this.attempts = details.attempts ?? 0;
  }
}
