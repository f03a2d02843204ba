#!/usr/bin/env node
// Generates clients/js/catalogue/src/events.ts (the package @neo-events/catalogue, which the
// publishers and the Vue composables share) from the catalogue (schemas/catalogue.json and
// schemas/events/*.schema.json): one interface per event schema, the EventType and
// CatalogueEvent unions, EventMap, the channel table, names for its patterns, and the schemas as
// data for the runtime validator.
//
//   node scripts/generate.mjs           writes the file
//   node scripts/generate.mjs --check   exits 1 when the committed file differs
//
// A small generator rather than json-schema-to-typescript: the schemas use a handful of
// keywords (catalogue.mjs refuses any other), and the unions, the map and the channel table
// are not something that tool writes.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { patternConstName, writeOrCheck } from './catalogue.mjs';

export const OUT_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'catalogue',
  'src',
  'events.ts',
);

const quote = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const literal = (v) => (typeof v === 'string' ? quote(v) : JSON.stringify(v));
const propertyKey = (name) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quote(name));

const CONSTRAINTS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'format'];

/** A JSDoc block (or nothing) at `indent` from a description and the node's constraints. */
function docComment(node, indent, extra = []) {
  const lines = [];
  if (node.description) lines.push(...node.description.split('\n'));
  lines.push(...extra);
  const tags = CONSTRAINTS.filter((k) => k in node).map((k) => `@${k} ${node[k]}`);
  if (tags.length && lines.length) lines.push('');
  lines.push(...tags);
  if (lines.length === 0) return '';
  const clean = lines.map((l) => l.replace(/\*\//g, '*\\/'));
  if (clean.length === 1) return `${indent}/** ${clean[0]} */\n`;
  return `${indent}/**\n${clean.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)).join('\n')}\n${indent} */\n`;
}

/** The TypeScript type of a schema node; objects are written inline at `indent`. */
function tsType(node, indent) {
  if ('const' in node) return literal(node.const);
  if ('enum' in node) return node.enum.map(literal).join(' | ');
  switch (node.type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'object':
      return objectType(node, indent);
    default:
      return 'unknown';
  }
}

function objectType(node, indent) {
  const inner = `${indent}  `;
  const extra = node.additionalProperties;
  const members = [];
  if (node.properties) members.push(...propertyLines(node, inner));
  if (extra === undefined || extra === true) members.push(`${inner}[key: string]: unknown;\n`);
  else if (extra !== false) {
    const valueType = node.properties ? 'unknown' : tsType(extra, inner);
    members.push(`${inner}[key: string]: ${valueType};\n`);
  }
  if (members.length === 0) return 'Record<string, never>';
  return `{\n${members.join('')}${indent}}`;
}

function propertyLines(node, indent) {
  const required = new Set(node.required ?? []);
  return Object.entries(node.properties).map(
    ([name, sub]) =>
      `${docComment(sub, indent)}${indent}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${tsType(sub, indent)};\n`,
  );
}

/** The schema as data for the runtime validator: no descriptions, titles, examples or ids. */
function schemaData(node) {
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    if (['$schema', '$id', 'title', 'description', 'examples'].includes(k)) continue;
    if (k === 'properties') {
      out.properties = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, schemaData(sub)]));
    } else if (k === 'additionalProperties' && v !== false) out.additionalProperties = schemaData(v);
    else out[k] = v;
  }
  return out;
}

/** A JSON value as a TypeScript literal (single quotes, unquoted identifier keys). */
function tsLiteral(value, indent) {
  if (Array.isArray(value)) {
    const items = value.map((v) => tsLiteral(v, `${indent}  `));
    const flat = `[${items.join(', ')}]`;
    if (!flat.includes('\n') && flat.length + indent.length <= 100) return flat;
    return `[\n${items.map((i) => `${indent}  ${i},\n`).join('')}${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${propertyKey(k)}: ${tsLiteral(v, `${indent}  `)}`);
    if (entries.length === 0) return '{}';
    const flat = `{ ${entries.join(', ')} }`;
    if (!flat.includes('\n') && flat.length + indent.length <= 100) return flat;
    return `{\n${entries.map((e) => `${indent}  ${e},\n`).join('')}${indent}}`;
  }
  return literal(value);
}

export function generateTypes(catalogue) {
  const { events, channels } = catalogue;
  const out = [];
  out.push(
    '// GENERATED FILE, do not edit. Written by clients/js/publishers/scripts/generate.mjs from\n' +
      '// schemas/catalogue.json and schemas/events/*.schema.json: change the schemas, then run\n' +
      '// `npm run generate` (a unit test fails while this file differs from what the generator writes).\n',
  );
  for (const { schema, file } of events) {
    out.push(
      `\n${docComment({ description: schema.description }, '', ['', `Schema: \`${file}\`.`])}` +
        `export interface ${schema.title} ${objectType(schema, '')}\n`,
    );
  }
  const types = events.map((e) => e.type);
  out.push(
    `\n/** Every catalogue event type, in catalogue order. */\nexport const EVENT_TYPES = ${tsLiteral(types, '')} as const;\n`,
  );
  out.push('\n/** A catalogue event type. */\nexport type EventType = (typeof EVENT_TYPES)[number];\n');
  out.push(
    `\n/** Each event type to its interface. */\nexport interface EventMap {\n${events
      .map((e) => `  ${e.type}: ${e.schema.title};\n`)
      .join('')}}\n`,
  );
  out.push(
    `\n/** Any catalogue event. */\nexport type CatalogueEvent =\n${events
      .map((e, i) => `  | ${e.schema.title}${i === events.length - 1 ? ';' : ''}\n`)
      .join('')}`,
  );
  out.push(
    '\n/**\n * The channel table of schemas/catalogue.json: which event types may be published on which\n' +
      " * channels. In a pattern '*' matches any run of characters; the first entry whose pattern\n" +
      ' * matches a channel decides.\n */\n' +
      `export const CATALOGUE_CHANNELS = ${tsLiteral(channels, '')} as const;\n`,
  );
  out.push(
    `\n/** A channel pattern of the catalogue. */\nexport type ChannelPattern = (typeof CATALOGUE_CHANNELS)[number]['pattern'];\n`,
  );
  out.push(
    `\n/** Each channel pattern to the event types allowed on it. */\nexport interface ChannelTypes {\n${channels
      .map((c) => `  ${quote(c.pattern)}: ${c.types.map(quote).join(' | ')};\n`)
      .join('')}}\n`,
  );
  const names = new Map();
  for (const c of channels) {
    const name = patternConstName(c.pattern);
    if (names.has(name)) throw new Error(`patterns ${names.get(name)} and ${c.pattern} both get the name ${name}`);
    names.set(name, c.pattern);
  }
  out.push(
    `\n/** A name for each channel pattern, so code refers to a pattern without spelling it. */\nexport const CHANNELS = {\n${[
      ...names,
    ]
      .map(([name, pattern]) => `  ${name}: ${quote(pattern)},\n`)
      .join('')}} as const;\n`,
  );
  const data = Object.fromEntries(events.map((e) => [e.type, schemaData(e.schema)]));
  out.push(
    `\n/** The event schemas as data for the runtime validator (descriptions and examples left out). */\n` +
      `export const EVENT_SCHEMAS = ${tsLiteral(data, '')} as const;\n`,
  );
  return out.join('');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await writeOrCheck(OUT_FILE, generateTypes);
}
