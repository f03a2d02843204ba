// The event catalogue (schemas/) for the tests: its event types, and a check of an event against
// its JSON Schema (draft 2020-12, ajv with formats) that also wants the timestamp in UTC.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const SCHEMAS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schemas');

export const catalogue = JSON.parse(readFileSync(path.join(SCHEMAS, 'catalogue.json'), 'utf8'));

/** Every event type of the catalogue, sorted. */
export const EVENT_TYPES = Object.keys(catalogue.events).sort();

const ajv = addFormats(new Ajv2020({ allErrors: true, strict: true }));
const validators = Object.fromEntries(
  Object.entries(catalogue.events).map(([type, rel]) => [
    type,
    ajv.compile(JSON.parse(readFileSync(path.join(SCHEMAS, rel), 'utf8'))),
  ]),
);

/** Asserts that `data` is a catalogue event that fits its schema, stamped in UTC ('Z'). */
export function assertCatalogueShape(data, where = '') {
  const validate = validators[data?.type];
  assert.ok(validate, `${where}unknown event type ${JSON.stringify(data?.type)}`);
  assert.ok(validate(data), `${where}${data.type} does not match its schema: ${ajv.errorsText(validate.errors)}`);
  assert.match(data.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, `${where}timestamp`);
}
