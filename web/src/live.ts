// Shared wiring of the portals' live components over @neo-events/vue.
import { useChannel, type UseChannel, type UseChannelOptions } from '@neo-events/vue';
import type { MaybeRefOrGetter } from 'vue';

import { noteGapReload, noteRecovered } from './gaps';

/**
 * useChannel whose gap path reloads: when a resubscribe could not recover, the component's state
 * is rebuilt from the channel's history (the demo's stand-in for "reload from the backend").
 */
export function useLiveChannel<T>(
  channel: MaybeRefOrGetter<string | null | undefined>,
  reload: (events: T[]) => void,
  options: UseChannelOptions<T> = {},
): UseChannel<T> {
  const ch = useChannel<T>(channel, options);
  ch.onGap(async () => {
    try {
      const h = await ch.history({ limit: 100 });
      reload(h.publications.map((p) => p.data as T));
    } catch {
      reload([]);
    }
    noteGapReload();
  });
  ch.onSubscribed((ctx) => {
    if (ctx.wasRecovering && ctx.recovered) noteRecovered();
  });
  return ch;
}

export const clock = (iso: string | number) => new Date(iso).toLocaleTimeString();
