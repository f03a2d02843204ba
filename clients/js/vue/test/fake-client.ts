// A fake centrifuge-js client for the unit tests: the calls the composables make, recorded, and
// the events a real client would emit, triggered by the test.
import type { Centrifuge, ClientInfo, SubscribedContext } from 'centrifuge';

type Handler = (ctx: any) => void;

class Emitter {
  #handlers = new Map<string, Set<Handler>>();
  on(event: string, fn: Handler) {
    if (!this.#handlers.has(event)) this.#handlers.set(event, new Set());
    this.#handlers.get(event)!.add(fn);
    return this;
  }
  removeAllListeners() {
    this.#handlers.clear();
    return this;
  }
  emit(event: string, ctx: unknown) {
    for (const fn of [...(this.#handlers.get(event) ?? [])]) fn(ctx);
  }
  listenerCount(event: string) {
    return this.#handlers.get(event)?.size ?? 0;
  }
}

export class FakeSubscription extends Emitter {
  state = 'unsubscribed';
  subscribeCalls = 0;
  unsubscribeCalls = 0;
  constructor(
    readonly channel: string,
    readonly options: Record<string, unknown>,
  ) {
    super();
  }
  subscribe() {
    this.subscribeCalls++;
    this.state = 'subscribing';
    this.emit('subscribing', { channel: this.channel, code: 0, reason: 'subscribe called' });
  }
  unsubscribe() {
    this.unsubscribeCalls++;
    this.state = 'unsubscribed';
  }
  /** The server accepted the subscribe. */
  subscribed(extra: Partial<SubscribedContext> = {}) {
    this.state = 'subscribed';
    this.emit('subscribed', {
      channel: this.channel,
      recoverable: true,
      positioned: false,
      wasRecovering: false,
      recovered: false,
      hasRecoveredPublications: false,
      ...extra,
    });
  }
  publication(data: unknown) {
    this.emit('publication', { channel: this.channel, data });
  }
  join(info: ClientInfo) {
    this.emit('join', { channel: this.channel, info });
  }
  leave(info: ClientInfo) {
    this.emit('leave', { channel: this.channel, info });
  }
}

export class FakeClient extends Emitter {
  state = 'disconnected';
  subs = new Map<string, FakeSubscription>();
  created: string[] = [];
  removed: string[] = [];
  connectCalls = 0;
  rpcCalls: Array<[string, unknown]> = [];
  rpcAnswer: (method: string) => Promise<{ data: unknown }> = () => Promise.reject(new Error('no rpc'));
  presenceAnswer: (channel: string) => Promise<{ clients: Record<string, ClientInfo> }> = async () => ({ clients: {} });
  presenceCalls: string[] = [];
  published: Array<[string, unknown]> = [];
  tokens: string[] = [];

  constructor(
    readonly endpoint: unknown = '',
    readonly options: Record<string, unknown> = {},
  ) {
    super();
  }
  asClient() {
    return this as unknown as Centrifuge;
  }
  connect() {
    this.connectCalls++;
    this.setState('connecting');
  }
  disconnect() {
    this.setState('disconnected');
    this.emit('disconnected', { code: 0, reason: 'disconnect called' });
  }
  setToken(token: string) {
    this.tokens.push(token);
  }
  /** The server accepted the connect. */
  connected() {
    this.setState('connected');
    this.emit('connected', { client: 'c1', transport: 'websocket' });
  }
  setState(state: string) {
    const old = this.state;
    this.state = state;
    this.emit('state', { oldState: old, newState: state });
  }
  newSubscription(channel: string, options: Record<string, unknown> = {}) {
    if (this.subs.has(channel)) throw new Error(`Subscription to the channel ${channel} already exists`);
    const sub = new FakeSubscription(channel, options);
    this.subs.set(channel, sub);
    this.created.push(channel);
    return sub;
  }
  getSubscription(channel: string) {
    return this.subs.get(channel) ?? null;
  }
  removeSubscription(sub: FakeSubscription | null) {
    if (!sub) return;
    sub.unsubscribe();
    this.subs.delete(sub.channel);
    this.removed.push(sub.channel);
  }
  rpc(method: string, data: unknown) {
    this.rpcCalls.push([method, data]);
    return this.rpcAnswer(method);
  }
  presence(channel: string) {
    this.presenceCalls.push(channel);
    return this.presenceAnswer(channel);
  }
  async publish(channel: string, data: unknown) {
    this.published.push([channel, data]);
    return {};
  }
  async history() {
    return { publications: [], offset: 0, epoch: 'e' };
  }
}
