// Drift checks (the committed generated files are what the generators write from schemas/ now)
// and the generators' and the runtime validator's agreement with the schemas.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';
import { describe, expect, it } from 'vitest';

import { SCHEMAS_DIR, loadCatalogue } from '../scripts/catalogue.mjs';
import { OUT_FILE as DOC_FILE, generateEventsDoc } from '../scripts/gen-events-doc.mjs';
import { OUT_FILE as TYPES_FILE, generateTypes } from '../scripts/generate.mjs';
import { CATALOGUE_CHANNELS, EVENT_TYPES, type CatalogueEvent, catalogueEntry, validateEvent } from '../src/index.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

describe('generated files are up to date with schemas/ (run `npm run generate` if not)', () => {
  const catalogue = loadCatalogue();

  it('src/generated/events.ts', () => {
    expect(readFileSync(TYPES_FILE, 'utf8') === generateTypes(catalogue)).toBe(true);
  });

  it('docs/events.md', () => {
    expect(readFileSync(DOC_FILE, 'utf8') === generateEventsDoc(catalogue)).toBe(true);
  });

  it('the generated tables match catalogue.json', () => {
    const raw = JSON.parse(readFileSync(path.join(SCHEMAS_DIR, 'catalogue.json'), 'utf8')) as {
      events: Record<string, string>;
      channels: unknown[];
    };
    expect([...EVENT_TYPES]).toEqual(Object.keys(raw.events));
    expect(CATALOGUE_CHANNELS).toEqual(raw.channels);
  });

  it('docs/events.md documents every field of every type', () => {
    const doc = readFileSync(DOC_FILE, 'utf8');
    for (const { type, schema } of catalogue.events) {
      const section = doc.split(`### ${type}\n`)[1]!.split('\n### ')[0]!;
      for (const field of Object.keys(schema.properties)) expect(section).toContain(`| \`${field}\` |`);
    }
  });
});

describe('the generators refuse what they cannot render', () => {
  function withSchemas(edit: (dir: string) => void, check: (dir: string) => void) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'neo-schemas-'));
    try {
      cpSync(SCHEMAS_DIR, dir, { recursive: true });
      edit(dir);
      check(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const editJson = (file: string, change: (json: Record<string, any>) => void) => {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    change(json);
    writeFileSync(file, JSON.stringify(json));
  };

  it('an unsupported keyword', () => {
    withSchemas(
      (dir) => editJson(path.join(dir, 'events', 'alert.schema.json'), (s) => (s.properties.message.oneOf = [])),
      (dir) =>
        expect(() => loadCatalogue(dir)).toThrow(
          /alert\.schema\.json#\/properties\/message: keyword "oneOf" is not supported/,
        ),
    );
  });

  it('a channel naming an unknown type, a type const that does not match', () => {
    withSchemas(
      (dir) => editJson(path.join(dir, 'catalogue.json'), (c) => c.channels[0].types.push('nope')),
      (dir) => expect(() => loadCatalogue(dir)).toThrow(/channels\[0\]: unknown event type "nope"/),
    );
    withSchemas(
      (dir) => editJson(path.join(dir, 'events', 'alert.schema.json'), (s) => (s.properties.type.const = 'alarm')),
      (dir) => expect(() => loadCatalogue(dir)).toThrow(/properties\.type must be \{"const": "alert"\}/),
    );
  });
});

describe('the runtime validator agrees with ajv (draft 2020-12)', () => {
  const catalogue = loadCatalogue();
  // The catalogue's date-time is RFC 3339 in UTC, as the server and validateEvent check it.
  const ajv = addFormats(new Ajv2020({ strict: true }));
  const rfc3339 = fullFormats['date-time'] as { validate: (text: string) => boolean };
  ajv.addFormat('date-time', {
    type: 'string',
    validate: (text: string) => /[Zz]$/.test(text) && rfc3339.validate(text),
  });

  // Each example, and variants of it that break one rule each.
  const variants = (example: Record<string, unknown>, schema: any): Record<string, unknown>[] => {
    const out: Record<string, unknown>[] = [
      example,
      { ...example, extra: 1 },
      { ...example, timestamp: '2026-12-05 10:00' },
      { ...example, timestamp: '2026-12-05T10:00:00+01:00' },
      { ...example, timestamp: '2023-02-29T10:00:00Z' },
      { ...example, timestamp: '2024-02-29T23:59:60.5Z' },
    ];
    for (const name of schema.required) {
      const { [name]: _, ...rest } = example;
      out.push(rest);
    }
    for (const [name, p] of Object.entries<any>(schema.properties)) {
      if (p.enum) out.push({ ...example, [name]: 'not-in-enum' });
      if (p.type === 'number')
        out.push({ ...example, [name]: -1 }, { ...example, [name]: 101 }, { ...example, [name]: '1' });
      if (p.type === 'string') out.push({ ...example, [name]: '' }, { ...example, [name]: 7 });
      if (p.type === 'object') out.push({ ...example, [name]: [] }, { ...example, [name]: { k: 'v' } });
    }
    return out;
  };

  for (const { type, schema } of catalogue.events) {
    it(type, () => {
      const check = ajv.compile(schema);
      expect(schema.examples.length).toBeGreaterThan(0);
      for (const example of schema.examples) {
        for (const v of variants(example, schema)) {
          const ours = (() => {
            try {
              validateEvent(v as unknown as CatalogueEvent);
              return true;
            } catch {
              return false;
            }
          })();
          expect(ours, JSON.stringify(v)).toBe(check(v));
        }
      }
    });
  }
});

describe('catalogue matching', () => {
  it('the first matching pattern decides', () => {
    expect(catalogueEntry('tenant:1:deployments')?.types).toEqual(['deployment_update', 'deployment_log']);
    expect(catalogueEntry('admin:metrics')?.pattern).toBe('admin:metrics');
    expect(catalogueEntry('tenant:1:unknown')).toBeUndefined();
    expect(catalogueEntry('admin:metrics:x')).toBeUndefined();
  });
});
