import { getCurrentScope, onScopeDispose } from 'vue';

/** onScopeDispose when there is a scope (component, effectScope, Pinia setup store); else nothing. */
export function tryOnScopeDispose(fn: () => void): boolean {
  if (!getCurrentScope()) return false;
  onScopeDispose(fn);
  return true;
}

/** Event hook: `on(fn)` returns its `off`, and is removed with the caller's scope. */
export interface EventHook<A extends unknown[]> {
  on(fn: (...args: A) => void): () => void;
  trigger(...args: A): void;
}

export function createEventHook<A extends unknown[]>(): EventHook<A> {
  const fns = new Set<(...args: A) => void>();
  return {
    on(fn) {
      fns.add(fn);
      const off = () => void fns.delete(fn);
      tryOnScopeDispose(off);
      return off;
    },
    trigger(...args) {
      for (const fn of [...fns]) fn(...args);
    },
  };
}
