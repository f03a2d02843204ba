// What the connection indicator shows beside the client's state: when a resubscribe could not
// recover (a gap) and the component reloaded its state, or when missed events were recovered.
import { shallowRef } from 'vue';

export const lastGapReload = shallowRef<number | null>(null);
export const lastRecovery = shallowRef<number | null>(null);

export function noteGapReload(): void {
  lastGapReload.value = Date.now();
}

export function noteRecovered(): void {
  lastRecovery.value = Date.now();
}
