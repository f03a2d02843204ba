#!/usr/bin/env node
// Generates docs/events.md from the catalogue (schemas/catalogue.json and
// schemas/events/*.schema.json): the channel table, then per event type its fields (name, type,
// required, constraints, description), the channels it may go on, and the schema's example.
//
//   node scripts/gen-events-doc.mjs           writes docs/events.md
//   node scripts/gen-events-doc.mjs --check   exits 1 when the committed file differs
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { REPO_ROOT, channelsOf, writeOrCheck } from './catalogue.mjs';

export const OUT_FILE = path.join(REPO_ROOT, 'docs', 'events.md');

const code = (s) => `\`${s}\``;
const cell = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** How a field's type reads in the table. */
function typeText(node) {
  if ('const' in node) return code(JSON.stringify(node.const));
  if ('enum' in node) return `one of ${node.enum.map((v) => code(JSON.stringify(v))).join(', ')}`;
  if (node.type === 'object') {
    const extra = node.additionalProperties;
    if (extra && extra !== true && !node.properties) return `object (values: ${typeText(extra)})`;
    return 'object';
  }
  return node.type ?? 'any';
}

function constraintsText(node) {
  const parts = [];
  if ('minimum' in node) parts.push(`≥ ${node.minimum}`);
  if ('exclusiveMinimum' in node) parts.push(`> ${node.exclusiveMinimum}`);
  if ('maximum' in node) parts.push(`≤ ${node.maximum}`);
  if ('exclusiveMaximum' in node) parts.push(`< ${node.exclusiveMaximum}`);
  if ('minLength' in node && 'maxLength' in node) parts.push(`length ${node.minLength}–${node.maxLength}`);
  else if ('minLength' in node) parts.push(`length ≥ ${node.minLength}`);
  else if ('maxLength' in node) parts.push(`length ≤ ${node.maxLength}`);
  if ('format' in node) parts.push(`format ${code(node.format)}`);
  return parts.join(', ');
}

export function generateEventsDoc(catalogue) {
  const { events, channels } = catalogue;
  const out = [];
  out.push(
    '<!-- GENERATED FILE, do not edit: written by clients/js/publishers/scripts/gen-events-doc.mjs',
    '     from schemas/. Change the schemas, then run `npm run generate`; a unit test fails while',
    '     this file differs from what the generator writes. -->',
    '',
    '# Event catalogue',
    '',
    'The events that the NEO_STACK services publish through neo-events, as defined by the JSON',
    'Schemas (draft 2020-12) in [`schemas/`](../schemas): `schemas/catalogue.json` says which types',
    'may go on which channels, `schemas/events/<type>.schema.json` defines each type. Every event',
    'carries `type` and `timestamp` (RFC 3339 in UTC, ending in `Z`) and no fields beyond those',
    'listed. [`@neo-events/publishers`](../clients/js/publishers/README.md) publishes them with',
    'TypeScript types generated from the same schemas.',
    '',
    'The server checks them too: on a namespace with `validate_events: true` (genconfig sets it on',
    '`tenant`, `admin` and `user`) a publication that is not a catalogue event allowed on its channel',
    'gets error 107 naming the failing JSON path (`invalid event: /progress: must be <= 100`) and',
    'is neither delivered nor stored; `neo-events events` lists this catalogue, and',
    '`neo-events publish --event TYPE --tenant T --field name=value ...` publishes one of its events.',
    'See the README, "Event catalogue and validation", for `catalogue_file` and the details.',
    '',
    '## Channels',
    '',
    'In a pattern `*` matches any run of characters (the tenant or user id); the first pattern that',
    'matches a channel decides which types it carries.',
    '',
    '| channel pattern | event types | publisher |',
    '|---|---|---|',
  );
  for (const c of channels) {
    out.push(
      `| ${code(c.pattern)} | ${c.types.map((t) => `[${code(t)}](#${t})`).join(', ')} | ${cell(c.publisher ?? '')} |`,
    );
  }
  out.push('', '## Event types', '');
  for (const { type, file, schema } of events) {
    out.push(`### ${type}`, '', `${cell(schema.description ?? '')}`, '');
    out.push(`Schema: [\`${file}\`](../${file}). TypeScript: \`${schema.title}\`.`);
    const where = channelsOf(catalogue, type);
    out.push(`Channels: ${where.length ? where.map(code).join(', ') : 'none'}.`, '');
    out.push('| field | type | required | constraints | description |', '|---|---|---|---|---|');
    const required = new Set(schema.required ?? []);
    for (const [name, node] of Object.entries(schema.properties)) {
      out.push(
        `| ${code(name)} | ${cell(typeText(node))} | ${required.has(name) ? 'yes' : 'no'} | ${cell(constraintsText(node))} | ${cell(node.description ?? '')} |`,
      );
    }
    for (const example of schema.examples ?? []) {
      out.push('', 'Example:', '', '```json', JSON.stringify(example, null, 2), '```');
    }
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await writeOrCheck(OUT_FILE, generateEventsDoc);
}
