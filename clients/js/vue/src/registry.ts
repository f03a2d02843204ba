// One SDK subscription per channel for the whole app, however many components use it: each user
// is a listener, counted; the subscription is created with the first and removed after the last
// (centrifuge-js throws on a second newSubscription for a channel, and re-creating one while the
// old is still subscribing gets 105 "already subscribed"). Never buffers or replays publications:
// recovery is the SDK's and the server's.
import type {
  Centrifuge,
  JoinContext,
  LeaveContext,
  PublicationContext,
  SubscribedContext,
  Subscription,
  SubscriptionOptions,
} from 'centrifuge';

export type SubscriptionStateName = 'unsubscribed' | 'subscribing' | 'subscribed';

export interface ChannelError {
  code: number;
  message: string;
}

/** Options of the SDK subscription; the first user of a channel decides them. */
export interface ChannelOptions {
  joinLeave?: boolean;
  /** Ask the server to recover missed publications on resubscribe (default true). */
  recoverable?: boolean;
  positioned?: boolean;
  delta?: 'fossil';
}

export interface ChannelListener {
  publication?(ctx: PublicationContext): void;
  join?(ctx: JoinContext): void;
  leave?(ctx: LeaveContext): void;
  /** `replay` is true when a listener joins a channel that was subscribed already. */
  subscribed?(ctx: SubscribedContext, replay: boolean): void;
  state?(state: SubscriptionStateName, error: ChannelError | null): void;
}

interface Entry {
  options: ChannelOptions;
  listeners: Set<ChannelListener>;
  sub: Subscription | null;
  state: SubscriptionStateName;
  error: ChannelError | null;
  lastSubscribed: SubscribedContext | null;
}

export class ChannelRegistry {
  #entries = new Map<string, Entry>();
  #client: Centrifuge | null = null;

  /** The app's client, once created (in the browser only); pending channels subscribe now. */
  attach(client: Centrifuge): void {
    this.#client = client;
    for (const [channel, entry] of this.#entries) this.#start(channel, entry);
  }

  /** Number of users of a channel (0 when none); for tests and devtools. */
  users(channel: string): number {
    return this.#entries.get(channel)?.listeners.size ?? 0;
  }

  /** Adds a user of `channel`; the returned release is idempotent. */
  acquire(channel: string, options: ChannelOptions, listener: ChannelListener): () => void {
    let entry = this.#entries.get(channel);
    if (!entry) {
      entry = { options, listeners: new Set(), sub: null, state: 'unsubscribed', error: null, lastSubscribed: null };
      this.#entries.set(channel, entry);
      if (this.#client) this.#start(channel, entry);
    }
    entry.listeners.add(listener);
    listener.state?.(entry.state, entry.error);
    if (entry.lastSubscribed && entry.state === 'subscribed') listener.subscribed?.(entry.lastSubscribed, true);
    let released = false;
    const owner = entry;
    return () => {
      if (released) return;
      released = true;
      owner.listeners.delete(listener);
      if (owner.listeners.size === 0 && this.#entries.get(channel) === owner) this.#stop(channel, owner);
    };
  }

  #start(channel: string, entry: Entry): void {
    const client = this.#client;
    if (!client || entry.sub) return;
    const { joinLeave = false, recoverable = true, positioned = false, delta } = entry.options;
    const options: Partial<SubscriptionOptions> = { joinLeave, recoverable, positioned };
    if (delta) options.delta = delta;
    const sub = client.getSubscription(channel) ?? client.newSubscription(channel, options);
    entry.sub = sub;
    const each = (fn: (l: ChannelListener) => void) => [...entry.listeners].forEach(fn);
    const setState = (state: SubscriptionStateName, error: ChannelError | null) => {
      entry.state = state;
      entry.error = error;
      each((l) => l.state?.(state, error));
    };
    sub.on('publication', (ctx) => each((l) => l.publication?.(ctx)));
    sub.on('join', (ctx) => each((l) => l.join?.(ctx)));
    sub.on('leave', (ctx) => each((l) => l.leave?.(ctx)));
    sub.on('subscribing', () => setState('subscribing', entry.error));
    sub.on('subscribed', (ctx) => {
      entry.lastSubscribed = ctx;
      setState('subscribed', null);
      each((l) => l.subscribed?.(ctx, false));
    });
    sub.on('unsubscribed', (ctx) =>
      setState('unsubscribed', ctx.code >= 100 ? { code: ctx.code, message: ctx.reason } : null),
    );
    sub.on('error', (ctx) => setState(entry.state, { code: ctx.error.code, message: ctx.error.message }));
    sub.subscribe();
  }

  #stop(channel: string, entry: Entry): void {
    this.#entries.delete(channel);
    const sub = entry.sub;
    if (!sub || !this.#client) return;
    sub.unsubscribe();
    sub.removeAllListeners();
    this.#client.removeSubscription(sub);
  }
}
