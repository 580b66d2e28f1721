// Lives here because the unit project's include covers libs/, not schemas/ (see the package README).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { generateTypes, JsonValidator, loadSchemaFiles } from '@tributary/avro';
import { describe, expect, it } from 'vitest';
import { SCHEMA_DIR, SUBJECTS } from '@tributary/schemas';

describe('schemas/', () => {
  const files = loadSchemaFiles(SCHEMA_DIR);

  it('src/generated.ts is up to date with the .avsc files (run `npm run schemas -- codegen`)', () => {
    const checkedIn = readFileSync(path.join(SCHEMA_DIR, 'src', 'generated.ts'), 'utf8');
    expect(checkedIn, 'stale: run `npm run schemas -- codegen` and commit schemas/src/generated.ts').toBe(generateTypes(files, 'schemas/*.avsc'));
  });

  it('holds the six cold-chain and the five fraud subjects (TopicNameStrategy)', () => {
    expect(files.map((f) => f.subject)).toEqual([
      'coldchain.aggregates.1m-value',
      'coldchain.alerts-value',
      'coldchain.containers-value',
      'coldchain.readings-value',
      'coldchain.readings.enriched-value',
      'coldchain.scores-value',
      'fraud.cardholders-value',
      'fraud.decisions-value',
      'fraud.payment-features-value',
      'fraud.payments-value',
      'fraud.payments.enriched-value',
    ]);
    expect(Object.keys(SUBJECTS).sort()).toEqual(files.map((f) => f.subject));
  });

  it('documents every record, field, enum and nested type', () => {
    const undocumented: string[] = [];
    const visit = (node: unknown, where: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${where}[${i}]`));
      if (typeof node !== 'object' || node === null) return;
      const o = node as Record<string, unknown>;
      if ((o['type'] === 'record' || o['type'] === 'enum') && typeof o['doc'] !== 'string') undocumented.push(`${where} ${String(o['name'])}`);
      if (Array.isArray(o['fields'])) {
        for (const field of o['fields'] as Record<string, unknown>[]) {
          if (typeof field['doc'] !== 'string' || field['doc'].length < 10) undocumented.push(`${where}.${String(field['name'])}`);
          visit(field['type'], `${where}.${String(field['name'])}`);
        }
      }
      for (const key of ['items', 'values']) visit(o[key], where);
    };
    for (const file of files) visit(file.schema, file.subject);
    expect(undocumented).toEqual([]);
  });

  it('every field that carries a measure names its unit (in the name or the doc)', () => {
    const units = /(C|Pct|Kw|Deg|M|Usd|Seconds|Minutes|PerMin)$|\b(degrees|percent|kilowatts|metres|seconds|minutes|in g|UTC|milliseconds|count|number|probability|unit)\b/i;
    const numeric = (t: unknown): boolean =>
      typeof t === 'string' ? ['double', 'float', 'int', 'long'].includes(t) : Array.isArray(t) ? t.some(numeric) : typeof t === 'object' && t !== null && numeric((t as { type: unknown }).type);
    const missing: string[] = [];
    const visit = (fields: { name: string; type: unknown; doc: string }[], where: string): void => {
      for (const field of fields) {
        if (numeric(field.type) && !units.test(`${field.name} ${field.doc}`) && !units.test(field.name)) missing.push(`${where}.${field.name}`);
        const types = Array.isArray(field.type) ? field.type : [field.type];
        for (const t of types) if (typeof t === 'object' && t !== null && Array.isArray((t as { fields?: unknown }).fields)) visit((t as { fields: typeof fields }).fields, `${where}.${field.name}`);
      }
    };
    for (const file of files) visit((file.schema as { fields: { name: string; type: unknown; doc: string }[] }).fields, file.subject);
    expect(missing).toEqual([]);
  });

  it('the ingest validator accepts a reading as a device would send it', () => {
    const result = new JsonValidator(SUBJECTS['coldchain.readings-value']).validate({
      containerId: 'MSCU1234565',
      eventTime: '2025-06-01T08:00:00Z',
      temperatureC: 3.9,
      humidityPct: 88.5,
      coolingPowerKw: 2.7,
      doorOpen: false,
      gForce: 1.0,
    });
    expect(result.ok).toBe(true);
  });
});
