/**
 * LOOKBACK_FEATURES against the registered schemas, at start: every field a
 * feature reads exists in the input record with a usable type, the event
 * time field is a timestamp, and the output record has exactly the input's
 * fields (same types) plus one field per feature (a type that holds it).
 * Anything else is a ConfigError naming the variable, the item and what the
 * schema offers, so a typo stops the service instead of writing nulls.
 */
import { avroType, type AvroSchema } from '@tributary/avro';
import { ConfigError } from '@tributary/streams';
import type { LookbackFeature } from './features.js';

/** The parts of an `avsc` type read here (structural: avsc is @tributary/avro's dependency). */
interface AvroT {
  readonly typeName: string;
  readonly name?: string;
  readonly fields?: readonly { readonly name: string; readonly type: AvroT }[];
  readonly types?: readonly AvroT[];
  equals(other: AvroT): boolean;
}

const NUMERIC = new Set(['int', 'long', 'float', 'double']);
const STRING = new Set(['string', 'enum', 'logical:uuid']);
const TIMESTAMP = new Set(['logical:timestamp-millis', 'long']);

/** The non-null branches of a type, and whether it accepts null. */
function branches(type: AvroT): { readonly types: readonly AvroT[]; readonly nullable: boolean } {
  const all = type.types ?? [type];
  return { types: all.filter((t) => t.typeName !== 'null'), nullable: all.some((t) => t.typeName === 'null') };
}

/** A (nullable) single-branch type whose branch kind is in `kinds`. */
function isKind(type: AvroT, kinds: ReadonlySet<string>): boolean {
  const { types } = branches(type);
  return types.length === 1 && kinds.has((types[0] as AvroT).typeName);
}

function recordType(schema: AvroSchema, what: string): AvroT {
  const type = avroType(schema) as unknown as AvroT;
  if (type.typeName !== 'record' || type.fields === undefined) throw new ConfigError(`${what} is not an Avro record schema`);
  return type;
}

export interface LookbackSchemaCheck {
  readonly features: readonly LookbackFeature[];
  readonly inputSchema: AvroSchema;
  /** Where the input schema came from, for messages (e.g. `subject orders-value v3`). */
  readonly inputName: string;
  readonly eventTimeField: string;
  readonly keyField?: string;
}

/** Numeric and string fields of a record type, for messages. */
function describeFields(record: AvroT): string {
  const fields = record.fields ?? [];
  const numeric = fields.filter((f) => isKind(f.type, NUMERIC)).map((f) => f.name);
  const strings = fields.filter((f) => isKind(f.type, STRING)).map((f) => f.name);
  return `numeric fields: ${numeric.join(', ') || '(none)'}; string fields: ${strings.join(', ') || '(none)'}`;
}

/** Checks the features, EVENT_TIME_FIELD and LOOKBACK_KEY_FIELD against the input record schema. */
export function checkInputFields(check: LookbackSchemaCheck): void {
  const input = recordType(check.inputSchema, `the input schema (${check.inputName})`);
  const byName = new Map((input.fields ?? []).map((f) => [f.name, f.type]));
  const available = describeFields(input);
  const time = byName.get(check.eventTimeField);
  if (time === undefined || !isKind(time, TIMESTAMP) || branches(time).nullable) {
    throw new ConfigError(
      `EVENT_TIME_FIELD="${check.eventTimeField}" is ${time === undefined ? 'not a field' : 'not a non-null timestamp-millis or long field'} of the input record (${check.inputName}); ${available}`,
    );
  }
  if (check.keyField !== undefined) {
    const key = byName.get(check.keyField);
    if (key === undefined || !isKind(key, STRING)) {
      throw new ConfigError(`LOOKBACK_KEY_FIELD="${check.keyField}" is not a string field of the input record (${check.inputName}); ${available}`);
    }
  }
  for (const feature of check.features) {
    if (byName.has(feature.name)) {
      throw new ConfigError(`LOOKBACK_FEATURES item "${feature.token}": the input record (${check.inputName}) already has a field "${feature.name}"; name the feature differently`);
    }
    const kinds = feature.fn === 'distinct' ? new Set([...NUMERIC, ...STRING]) : NUMERIC;
    for (const field of feature.fields) {
      const type = byName.get(field);
      if (type === undefined || !isKind(type, kinds)) {
        throw new ConfigError(
          `LOOKBACK_FEATURES item "${feature.token}": "${field}" is ${type === undefined ? 'not a field' : `not a ${feature.fn === 'distinct' ? 'numeric or string' : 'numeric'} field`} of the input record (${check.inputName}); ${available}`,
        );
      }
    }
  }
}

/** The output field type a feature needs: the kinds of branch it may have, and whether null must be accepted. */
function needs(feature: LookbackFeature, input: ReadonlyMap<string, AvroT>): { readonly kinds: ReadonlySet<string>; readonly nullable: boolean; readonly text: string } {
  switch (feature.fn) {
    case 'count':
    case 'distinct':
      return { kinds: NUMERIC, nullable: false, text: 'int, long, float or double' };
    case 'sum':
      return { kinds: new Set(['float', 'double']), nullable: false, text: 'double or float' };
    case 'distance':
      return { kinds: new Set(['float', 'double']), nullable: true, text: '["null", "double"] (null for the first payment)' };
    default: {
      // avg, min, max: null when no payment in range has a value, which only happens when the field is nullable.
      const nullable = branches(input.get(feature.fields[0] as string) as AvroT).nullable;
      return { kinds: new Set(['float', 'double']), nullable, text: nullable ? '["null", "double"] (the input field is nullable)' : 'double or float' };
    }
  }
}

/**
 * Checks the output record schema: exactly the input's fields with the same
 * types (docs aside), plus one field per feature whose type holds its values.
 */
export function checkOutputSchema(check: LookbackSchemaCheck & { readonly outputSchema: AvroSchema; readonly outputName: string }): void {
  const input = recordType(check.inputSchema, `the input schema (${check.inputName})`);
  const output = recordType(check.outputSchema, `the output schema (${check.outputName})`);
  const inputFields = new Map((input.fields ?? []).map((f) => [f.name, f.type]));
  const outputFields = new Map((output.fields ?? []).map((f) => [f.name, f.type]));
  const expected = [...inputFields.keys(), ...check.features.map((f) => f.name)];
  const missing = expected.filter((n) => !outputFields.has(n));
  const extra = [...outputFields.keys()].filter((n) => !expected.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    throw new ConfigError(
      `the output schema (${check.outputName}) must have exactly the input record's fields and one field per LOOKBACK_FEATURES item: ` +
        [missing.length > 0 ? `missing ${missing.join(', ')}` : '', extra.length > 0 ? `not computed: ${extra.join(', ')}` : ''].filter((s) => s !== '').join('; '),
    );
  }
  for (const [name, type] of inputFields) {
    if (!(outputFields.get(name) as AvroT).equals(type)) {
      throw new ConfigError(`the output schema (${check.outputName}) field "${name}" has another type than in the input record (${check.inputName}): it is copied as is`);
    }
  }
  for (const feature of check.features) {
    const type = outputFields.get(feature.name) as AvroT;
    const need = needs(feature, inputFields);
    const { types, nullable } = branches(type);
    if (types.length !== 1 || !need.kinds.has((types[0] as AvroT).typeName) || (need.nullable && !nullable)) {
      throw new ConfigError(`LOOKBACK_FEATURES item "${feature.token}": the output schema (${check.outputName}) field "${feature.name}" must be ${need.text}`);
    }
  }
}
