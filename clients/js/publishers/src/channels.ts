import { CATALOGUE_CHANNELS, type ChannelPattern, type EventType } from '@neo-events/catalogue';

/** Characters an id may not contain: they would change what a channel pattern matches. */
const FORBIDDEN = /[:*{}#\s]/u;
/** Channel names are 1-255 bytes of printable ASCII (the server answers 107 otherwise). */
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;
const MAX_CHANNEL_BYTES = 255;

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value;
}

/**
 * Checks an id that becomes part of a channel name or stands for one (tenant, user): a non-empty
 * string of printable ASCII without ':', '*', '{', '}', '#' or whitespace. Throws a TypeError
 * naming the argument otherwise.
 */
export function checkId(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${name} must be a non-empty string, got ${describe(value)}`);
  }
  const bad = FORBIDDEN.exec(value);
  if (bad) {
    throw new TypeError(
      `${name} ${JSON.stringify(value)} contains ${JSON.stringify(bad[0])}: ids must not contain ':', '*', '{', '}', '#' or whitespace`,
    );
  }
  if (!PRINTABLE_ASCII.test(value)) {
    throw new TypeError(`${name} ${JSON.stringify(value)} must be printable ASCII (it becomes part of a channel name)`);
  }
}

/** Checks a channel name as the server does: 1-255 bytes of printable ASCII. */
export function checkChannelName(channel: unknown): asserts channel is string {
  if (typeof channel !== 'string' || channel === '') {
    throw new TypeError(`channel must be a non-empty string, got ${describe(channel)}`);
  }
  if (!PRINTABLE_ASCII.test(channel)) throw new TypeError(`channel ${JSON.stringify(channel)} must be printable ASCII`);
  if (channel.length > MAX_CHANNEL_BYTES) {
    throw new TypeError(`channel ${JSON.stringify(channel.slice(0, 40))}... is longer than ${MAX_CHANNEL_BYTES} bytes`);
  }
}

/** The ids a pattern takes, one per '*', each with the argument name used in errors. */
export type ChannelIds = ReadonlyArray<readonly [name: string, value: unknown]>;

/**
 * The channel of `pattern` for `ids`: each '*' in turn replaced by one id, each id checked with
 * checkId. Throws a TypeError when the number of ids does not match.
 */
export function channelFor(pattern: ChannelPattern, ids: ChannelIds = []): string {
  const parts = pattern.split('*');
  if (parts.length - 1 !== ids.length) {
    throw new TypeError(`channel pattern ${pattern} takes ${parts.length - 1} id(s), got ${ids.length}`);
  }
  let channel = parts[0]!;
  ids.forEach(([name, value], i) => {
    checkId(name, value);
    channel += value + parts[i + 1]!;
  });
  checkChannelName(channel);
  return channel;
}

const compiled = CATALOGUE_CHANNELS.map((entry) => ({
  entry,
  regex: new RegExp(`^${entry.pattern.split('*').map(escapeRegex).join('.*')}$`, 's'),
}));

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The catalogue entry that decides `channel` (the first whose pattern matches), if any. */
export function catalogueEntry(channel: string): (typeof CATALOGUE_CHANNELS)[number] | undefined {
  return compiled.find((c) => c.regex.test(channel))?.entry;
}

/** Throws a TypeError unless the catalogue allows events of `type` on `channel`. */
export function checkCatalogue(channel: string, type: EventType): void {
  const entry = catalogueEntry(channel);
  if (!entry) throw new TypeError(`channel ${channel} is not in the event catalogue`);
  if (!(entry.types as readonly string[]).includes(type)) {
    throw new TypeError(
      `the catalogue allows ${entry.types.join(', ')} on ${entry.pattern}, not ${type} (channel ${channel})`,
    );
  }
}
