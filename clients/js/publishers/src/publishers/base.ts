import { EventEmitter } from 'node:events';

import { type ChannelIds, channelFor, checkCatalogue, checkId } from '../channels.js';
import type { EventClient } from '../client.js';
import type { CatalogueEvent, ChannelPattern, ChannelTypes, EventMap } from '@neo-events/catalogue';
import { validateEvent } from '../validate.js';

/** A catalogue event without its timestamp (the publisher stamps it); distributes over unions. */
export type EventInput<E> = E extends unknown ? Omit<E, 'timestamp'> & { timestamp?: string } : never;

/** What a publisher resolves with, and its `published` event. */
export interface PublishedEvent<E extends CatalogueEvent = CatalogueEvent> {
  channel: string;
  event: E;
  /** Position in the channel's history (absent when the namespace keeps none). */
  offset?: number;
  epoch?: string;
}

/** Context of an `error` event: what was being published. */
export interface PublishFailure {
  channel?: string;
  event?: unknown;
}

export interface PublisherEvents {
  published: [PublishedEvent];
  error: [Error, PublishFailure];
}

/**
 * Base of the catalogue publishers: builds channel names from the catalogue's patterns, stamps
 * and validates events against their schemas, publishes through a shared EventClient, and emits
 * `published` ({channel, event, offset, epoch}) on success and `error` (error, {channel, event})
 * on failure. `error` is emitted only while someone listens to it; the returned promise rejects
 * either way, so an unobserved failure never becomes an uncaught `error` event.
 */
export class BasePublisher extends EventEmitter<PublisherEvents> {
  readonly client: EventClient;

  constructor(client: EventClient) {
    super();
    if (client === null || typeof client !== 'object' || typeof client.publish !== 'function') {
      throw new TypeError(`${new.target.name} needs an EventClient: new ${new.target.name}(client)`);
    }
    this.client = client;
  }

  /**
   * Publishes `event` on the channel of `pattern` for `ids` (one per '*', e.g.
   * `[['tenantId', '42']]`): ids are checked, `timestamp` is set to now unless given, fields left
   * undefined are dropped, and the event must fit its schema and be allowed on the channel by the
   * catalogue. `eventIds` are tenant or user ids carried in the event (not in the channel name):
   * they are checked the same way. Any other catalogue channel (tenant:{id}:metrics,
   * system:alerts, ...) can be reached through this too.
   */
  async publishTo<P extends ChannelPattern, T extends ChannelTypes[P]>(
    pattern: P,
    ids: ChannelIds,
    input: EventInput<EventMap[T]> & { type: T },
    eventIds: ChannelIds = [],
  ): Promise<PublishedEvent<EventMap[T]>> {
    type E = EventMap[T];
    let channel: string | undefined;
    let event: E | undefined;
    try {
      channel = channelFor(pattern, ids);
      for (const [name, value] of eventIds) if (value !== undefined) checkId(name, value);
      event = stamp(input) as E;
      checkCatalogue(channel, event.type);
      validateEvent(event);
      const result = await this.client.publish(channel, event);
      const published: PublishedEvent<E> = { channel, event, ...result };
      this.emit('published', published);
      return published;
    } catch (error) {
      if (this.listenerCount('error') > 0) {
        this.emit('error', error instanceof Error ? error : new Error(String(error)), {
          channel,
          event: event ?? input,
        });
      }
      throw error;
    }
  }
}

/** The event with `timestamp` (now, unless given) and without undefined fields. */
function stamp<E>(input: EventInput<E>): E {
  if (input === null || typeof input !== 'object') throw new TypeError('an event must be an object');
  const event: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== undefined) event[k] = v;
  event.timestamp ??= new Date().toISOString();
  return event as E;
}
