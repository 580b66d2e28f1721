/**
 * Records mode's output schema against the input schema, at start: every
 * output field is either computed by the operator — `risk`, `decision`,
 * `modelName`, `modelVersion`, `features`, `scoredAt`, `horizonMinutes`,
 * `reasons`, each with a type that holds its value — or copied from the
 * input field of the same name, which must exist with the same type. Any
 * other field is a ConfigError naming the field and what the schemas offer,
 * so a typo or a drifted schema stops the service instead of failing every
 * record at its first commit.
 */
import { avroType, type AvroSchema } from '@tributary/avro';
import { ConfigError } from '@tributary/streams';
import { DECISIONS } from './decision.js';

/** The parts of an `avsc` type read here (structural: avsc is @tributary/avro's dependency). */
interface AvroT {
  readonly typeName: string;
  readonly fields?: readonly { readonly name: string; readonly type: AvroT }[];
  readonly types?: readonly AvroT[];
  readonly symbols?: readonly string[];
  readonly itemsType?: AvroT;
  readonly valuesType?: AvroT;
  equals(other: AvroT): boolean;
  schema(options?: { exportAttrs?: boolean }): unknown;
}

/** The fields the operator computes, by name. */
export type ComputedField = 'risk' | 'decision' | 'modelName' | 'modelVersion' | 'features' | 'scoredAt' | 'horizonMinutes' | 'reasons';

/** How one output field gets its value. `timestamp`: scoredAt as a Date (timestamp-millis) or epoch ms (plain long). */
export type OutputField =
  | { readonly name: string; readonly source: 'copy' }
  | { readonly name: Exclude<ComputedField, 'scoredAt'>; readonly source: 'computed' }
  | { readonly name: 'scoredAt'; readonly source: 'computed'; readonly asDate: boolean };

/** The output record, field by field in schema order. */
export interface RecordOutputPlan {
  readonly fields: readonly OutputField[];
}

/** The non-null branches of a type, and whether it accepts null. */
function branches(type: AvroT): { readonly types: readonly AvroT[]; readonly nullable: boolean } {
  const all = type.types ?? [type];
  return { types: all.filter((t) => t.typeName !== 'null'), nullable: all.some((t) => t.typeName === 'null') };
}

/** The single non-null branch of a (nullable) type, or undefined for a union of several. */
function single(type: AvroT): AvroT | undefined {
  const { types } = branches(type);
  return types.length === 1 ? types[0] : undefined;
}

const is = (...kinds: string[]) => (t: AvroT) => kinds.includes(t.typeName);

/** What each computed field accepts, and how to say it. */
const COMPUTED: Record<ComputedField, { readonly accepts: (t: AvroT) => boolean; readonly text: string }> = {
  risk: { accepts: is('double', 'float'), text: 'double or float (the probability)' },
  decision: {
    accepts: (t) => t.typeName === 'string' || (t.typeName === 'enum' && DECISIONS.every((d) => t.symbols?.includes(d))),
    text: `string or an enum with the symbols ${DECISIONS.join(', ')}`,
  },
  modelName: { accepts: is('string'), text: 'string' },
  modelVersion: { accepts: is('string'), text: 'string' },
  features: { accepts: (t) => t.typeName === 'map' && t.valuesType !== undefined && is('double', 'float')(t.valuesType), text: 'map of double (feature name → value)' },
  scoredAt: { accepts: is('logical:timestamp-millis', 'long'), text: 'timestamp-millis or long (epoch ms)' },
  horizonMinutes: { accepts: is('int', 'long'), text: 'int or long (minutes)' },
  reasons: { accepts: (t) => t.typeName === 'array' && t.itemsType !== undefined && t.itemsType.typeName === 'string', text: 'array of string' },
};

/** The fields score computes in records mode. */
export const COMPUTED_FIELDS = Object.keys(COMPUTED) as ComputedField[];

const isComputed = (name: string): name is ComputedField => Object.hasOwn(COMPUTED, name);

function recordType(schema: AvroSchema, what: string): AvroT {
  let parsed: unknown;
  try {
    parsed = avroType(schema);
  } catch (error) {
    throw new ConfigError(`${what} is not a valid Avro schema: ${(error as Error).message}`);
  }
  const type = parsed as AvroT;
  if (type.typeName !== 'record' || type.fields === undefined) throw new ConfigError(`${what} is not an Avro record schema`);
  return type;
}

/** A type as people write it: `double`, `["null","double"]`, `timestamp-millis`, `map<double>`… */
function describe(type: AvroT): string {
  if (type.types !== undefined) return `[${type.types.map(describe).join(', ')}]`;
  if (type.typeName.startsWith('logical:')) return type.typeName.slice('logical:'.length);
  if (type.typeName === 'map' && type.valuesType !== undefined) return `map<${describe(type.valuesType)}>`;
  if (type.typeName === 'array' && type.itemsType !== undefined) return `array<${describe(type.itemsType)}>`;
  if (type.typeName === 'enum') return `enum {${(type.symbols ?? []).join(', ')}}`;
  return type.typeName;
}

/** The schema without what does not change the values (docs, defaults, aliases, order), logical types kept. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([k]) => !['doc', 'default', 'aliases', 'order'].includes(k))
      .map(([k, v]) => [k, shape(v)]),
  );
}

/**
 * The same values in and out: canonical equality (avsc's `equals`, which
 * ignores logical types) and the same logical types (a timestamp-millis
 * decodes to a Date, which a plain long cannot encode).
 */
function sameType(a: AvroT, b: AvroT): boolean {
  return a.equals(b) && JSON.stringify(shape(a.schema({ exportAttrs: true }))) === JSON.stringify(shape(b.schema({ exportAttrs: true })));
}

export interface RecordSchemaCheck {
  readonly inputSchema: AvroSchema;
  /** Where the input schema came from, for messages (e.g. `subject fraud.payment-features-value v1`). */
  readonly inputName: string;
  readonly outputSchema: AvroSchema;
  readonly outputName: string;
}

/**
 * Checks the output schema against the input schema and returns how each
 * output field is filled. A computed name wins over an input field of the
 * same name (the input's value is not copied).
 */
export function planRecordOutput(check: RecordSchemaCheck): RecordOutputPlan {
  const input = recordType(check.inputSchema, `the input schema (${check.inputName})`);
  const output = recordType(check.outputSchema, `the output schema (${check.outputName})`);
  const inputFields = new Map((input.fields ?? []).map((f) => [f.name, f.type]));
  const inputList = [...inputFields].map(([name, type]) => `${name} (${describe(type)})`).join(', ');
  const fields: OutputField[] = [];
  for (const field of output.fields ?? []) {
    const where = `the output schema (${check.outputName}) field "${field.name}"`;
    if (isComputed(field.name)) {
      const need = COMPUTED[field.name];
      const branch = single(field.type);
      if (branch === undefined || !need.accepts(branch)) {
        throw new ConfigError(`${where} is computed by score and must be ${need.text} (nullable or not); it is ${describe(field.type)}`);
      }
      fields.push(field.name === 'scoredAt' ? { name: 'scoredAt', source: 'computed', asDate: branch.typeName === 'logical:timestamp-millis' } : { name: field.name, source: 'computed' });
      continue;
    }
    const from = inputFields.get(field.name);
    if (from === undefined) {
      throw new ConfigError(
        `${where} is neither computed by score (${COMPUTED_FIELDS.join(', ')}) nor a field of the input record (${check.inputName}), which has: ${inputList}`,
      );
    }
    if (!sameType(field.type, from)) {
      throw new ConfigError(`${where} is copied from the input record (${check.inputName}) and must have its type there, ${describe(from)}; it is ${describe(field.type)}`);
    }
    fields.push({ name: field.name, source: 'copy' });
  }
  return { fields };
}
