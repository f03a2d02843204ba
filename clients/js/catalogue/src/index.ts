// @neo-events/catalogue: the event catalogue of schemas/ as TypeScript, generated into
// events.ts by clients/js/publishers/scripts/generate.mjs. Types, constants and data only: no
// runtime dependency, so browsers (@neo-events/vue) and services (@neo-events/publishers) share it.
export * from './events.js';
