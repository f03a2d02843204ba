// The server's clock, estimated NTP-style through the server's built-in `time` RPC (centrifuge-js
// exposes no server time): for each of a few samples, offset = server time - midpoint of the
// local send and receive; the sample with the shortest round trip wins (its midpoint is the
// tightest bound). Re-estimated on every (re)connect while something uses it.
import { shallowRef, type ShallowRef } from 'vue';
import type { Centrifuge } from 'centrifuge';

export interface TimeSample {
  offset: number;
  rtt: number;
}

/** Picks the sample with the shortest round trip; null for none. */
export function bestSample(samples: TimeSample[]): TimeSample | null {
  let best: TimeSample | null = null;
  for (const s of samples) if (!best || s.rtt < best.rtt) best = s;
  return best;
}

export class ServerClock {
  readonly offset: ShallowRef<number | null> = shallowRef(null);
  readonly rtt: ShallowRef<number | null> = shallowRef(null);
  #client: Centrifuge | null = null;
  #users = 0;
  #running: Promise<void> | null = null;

  constructor(
    private readonly samples = 3,
    private readonly localNow: () => number = () => Date.now(),
  ) {}

  attach(client: Centrifuge): void {
    this.#client = client;
    client.on('connected', () => {
      if (this.#users > 0) void this.sync();
    });
    if (this.#users > 0) void this.sync();
  }

  /** Counts a user; the first one starts an estimate if connected. Returns its release. */
  use(): () => void {
    this.#users++;
    if (this.offset.value === null) void this.sync();
    let released = false;
    return () => {
      if (!released) this.#users--;
      released = true;
    };
  }

  /** Estimates the offset now (one run at a time); keeps the last one when the RPC fails. */
  sync(): Promise<void> {
    const client = this.#client;
    if (!client || client.state !== 'connected') return Promise.resolve();
    this.#running ??= this.#measure(client).finally(() => (this.#running = null));
    return this.#running;
  }

  async #measure(client: Centrifuge): Promise<void> {
    const samples: TimeSample[] = [];
    for (let i = 0; i < this.samples; i++) {
      const sent = this.localNow();
      try {
        const reply = await client.rpc('time', {});
        const received = this.localNow();
        const time = Number((reply.data as { time?: unknown } | null)?.time);
        if (Number.isFinite(time)) samples.push({ offset: time - (sent + received) / 2, rtt: received - sent });
      } catch {
        break; // disconnected meanwhile, or a server without the `time` RPC (error 108)
      }
    }
    const best = bestSample(samples);
    if (best) {
      this.offset.value = Math.round(best.offset);
      this.rtt.value = best.rtt;
    }
  }
}
