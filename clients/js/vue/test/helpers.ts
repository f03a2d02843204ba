import { createApp, effectScope, nextTick, type EffectScope } from 'vue';

import { createEvents, type EventsOptions } from '../src/index.js';
import { FakeClient } from './fake-client.js';

/** An app with the plugin on a fake client, as in a browser; `run` calls composables in it. */
export function browserApp(options: Partial<EventsOptions> = {}) {
  let fake: FakeClient | null = null;
  const plugin = createEvents({
    url: 'ws://example/connection/websocket',
    ssr: false,
    clientFactory: (endpoint, opts) => (fake = new FakeClient(endpoint, opts as Record<string, unknown>)).asClient(),
    ...options,
  });
  const app = createApp({ render: () => null });
  app.use(plugin);
  const scopes: EffectScope[] = [];
  /** Runs `fn` in a new effect scope inside the app's injection context (like a component). */
  function run<T>(fn: () => T): { result: T; scope: EffectScope } {
    const scope = effectScope();
    scopes.push(scope);
    const result = app.runWithContext(() => scope.run(fn)!);
    return { result, scope };
  }
  return {
    app,
    plugin,
    get fake() {
      return fake!;
    },
    run,
    stopAll: () => scopes.forEach((s) => s.stop()),
  };
}

export const tick = nextTick;
export const flush = () => new Promise<void>((r) => setTimeout(r, 0));
