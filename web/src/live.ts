// Shared wiring of the portals' live components over @neo-events/vue.
import { useChannel, type UseChannel, type UseChannelOptions } from '@neo-events/vue';
import type { MaybeRefOrGetter } from 'vue';

import { noteGapReload, noteRecovered } from './gaps';
import { dateTime } from './i18n';

/**
 * The gap path: when a resubscribe could not recover, `reload` rebuilds the component's state
 * from the channel's history (the demo's stand-in for "reload from the backend"); a clean
 * recovery is noted for the connection indicator.
 */
export function reloadOnGap<T>(ch: UseChannel<T>, reload: (events: T[]) => void): void {
  ch.onGap(async () => {
    const h = await ch.history({ limit: 100 }).catch(() => null);
    reload((h?.publications ?? []).map((p) => p.data as T));
    noteGapReload();
  });
  ch.onSubscribed((ctx) => {
    if (ctx.wasRecovering && ctx.recovered) noteRecovered();
  });
}

/** useChannel with reloadOnGap. */
export function useLiveChannel<T>(
  channel: MaybeRefOrGetter<string | null | undefined>,
  reload: (events: T[]) => void,
  options: UseChannelOptions<T> = {},
): UseChannel<T> {
  const ch = useChannel<T>(channel, options);
  reloadOnGap(ch, reload);
  return ch;
}

/** A time of day in the portal's selected locale (not the browser's). */
export const clock = (iso: string | number) => dateTime.value.format(new Date(iso));
