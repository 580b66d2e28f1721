/**
 * ENRICH_MODE=join against the registered schemas, at start: JOIN_KEY_FIELD
 * is a string field of the input record, every JOIN_FIELDS item names a
 * field of the reference record, and the output record has exactly the
 * input's fields (same types), `matched` (boolean) and one field per
 * JOIN_FIELDS item whose type is the reference field's, made nullable (null
 * when unmatched). Anything else is a ConfigError naming the variable, the
 * item and what the schema offers, so a typo stops the service instead of
 * writing nulls.
 */
import { avroType, describeType, type AvroSchema } from '@tributary/avro';
import { ConfigError } from '@tributary/streams';
import type { JoinField } from './fields.js';

/** The output field telling whether the reference record was found. */
export const MATCHED_FIELD = 'matched';

/** The parts of an `avsc` type read here (structural: avsc is @tributary/avro's dependency). */
interface AvroT {
  readonly typeName: string;
  readonly fields?: readonly { readonly name: string; readonly type: AvroT }[];
  readonly types?: readonly AvroT[];
  equals(other: AvroT): boolean;
}

/** The non-null branches of a type, and whether it accepts null. */
function branches(type: AvroT): { readonly types: readonly AvroT[]; readonly nullable: boolean } {
  const all = type.types ?? [type];
  return { types: all.filter((t) => t.typeName !== 'null'), nullable: all.some((t) => t.typeName === 'null') };
}

const describe = (type: AvroT): string => describeType(type as never);

function recordFields(schema: AvroSchema, what: string): Map<string, AvroT> {
  let type: AvroT;
  try {
    type = avroType(schema);
  } catch (error) {
    throw new ConfigError(`${what} is not a valid Avro schema: ${(error as Error).message}`);
  }
  if (type.typeName !== 'record' || type.fields === undefined) throw new ConfigError(`${what} is not an Avro record schema`);
  return new Map(type.fields.map((f) => [f.name, f.type]));
}

/** `name (type), …` of a record's fields, for messages. */
function listFields(fields: ReadonlyMap<string, AvroT>): string {
  return [...fields].map(([name, type]) => `${name} (${describe(type)})`).join(', ') || '(none)';
}

/** The nullable version of a type as a message shows it: `["null", double]`. */
function nullableText(type: AvroT): string {
  const { types } = branches(type);
  return `[null, ${types.map((t) => describe(t)).join(', ')}]`;
}

export interface JoinSchemaCheck {
  readonly keyField: string;
  readonly fields: readonly JoinField[];
  readonly inputSchema: AvroSchema;
  /** Where each schema came from, for messages (e.g. `subject fraud.payments-value v3`). */
  readonly inputName: string;
  readonly referenceSchema: AvroSchema;
  readonly referenceName: string;
  readonly outputSchema: AvroSchema;
  readonly outputName: string;
}

/** Checks JOIN_KEY_FIELD, JOIN_FIELDS and the output schema against the three record schemas (ConfigError otherwise). */
export function checkJoinSchemas(check: JoinSchemaCheck): void {
  const input = recordFields(check.inputSchema, `the input schema (${check.inputName})`);
  const reference = recordFields(check.referenceSchema, `the reference schema (${check.referenceName})`);
  const output = recordFields(check.outputSchema, `the output schema (${check.outputName})`);

  const key = input.get(check.keyField);
  const keyBranches = key === undefined ? undefined : branches(key);
  if (keyBranches === undefined || keyBranches.nullable || keyBranches.types.length !== 1 || (keyBranches.types[0] as AvroT).typeName !== 'string') {
    throw new ConfigError(
      `JOIN_KEY_FIELD="${check.keyField}" is ${key === undefined ? 'not a field' : `not a non-null string field (it is ${describe(key)})`} of the input record (${check.inputName}); its fields: ${listFields(input)}`,
    );
  }
  if (input.has(MATCHED_FIELD)) {
    throw new ConfigError(`the input record (${check.inputName}) already has a field "${MATCHED_FIELD}": the join adds one; rename the input field`);
  }
  for (const f of check.fields) {
    if (!reference.has(f.field)) {
      throw new ConfigError(`JOIN_FIELDS item "${f.token}": "${f.field}" is not a field of the reference record (${check.referenceName}); its fields: ${listFields(reference)}`);
    }
    if (input.has(f.name) || f.name === MATCHED_FIELD) {
      throw new ConfigError(`JOIN_FIELDS item "${f.token}": the output name "${f.name}" is ${f.name === MATCHED_FIELD ? 'reserved for the match flag' : 'already an input field'}; name it differently (outName=${f.field})`);
    }
  }

  const expected = [...input.keys(), MATCHED_FIELD, ...check.fields.map((f) => f.name)];
  const missing = expected.filter((n) => !output.has(n));
  const extra = [...output.keys()].filter((n) => !expected.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    throw new ConfigError(
      `the output schema (${check.outputName}) must have exactly the input record's fields, "${MATCHED_FIELD}" and one field per JOIN_FIELDS item: ` +
        [missing.length > 0 ? `missing ${missing.join(', ')}` : '', extra.length > 0 ? `not computed: ${extra.join(', ')} (JOIN_FIELDS=${check.fields.map((f) => f.token).join(',')})` : '']
          .filter((s) => s !== '')
          .join('; '),
    );
  }
  for (const [name, type] of input) {
    const out = output.get(name) as AvroT;
    if (!out.equals(type)) {
      throw new ConfigError(`the output schema (${check.outputName}) field "${name}" is ${describe(out)} but ${describe(type)} in the input record (${check.inputName}): it is copied as is`);
    }
  }
  const matched = output.get(MATCHED_FIELD) as AvroT;
  if (matched.typeName !== 'boolean') throw new ConfigError(`the output schema (${check.outputName}) field "${MATCHED_FIELD}" must be boolean (it is ${describe(matched)})`);
  for (const f of check.fields) {
    const ref = reference.get(f.field) as AvroT;
    const out = output.get(f.name) as AvroT;
    const want = branches(ref).types;
    const have = branches(out);
    const same = have.nullable && have.types.length === want.length && have.types.every((t, i) => t.equals(want[i] as AvroT));
    if (!same) {
      throw new ConfigError(
        `JOIN_FIELDS item "${f.token}": the output schema (${check.outputName}) field "${f.name}" is ${describe(out)}; ` +
          `expected ${nullableText(ref)}: the reference field "${f.field}" (${describe(ref)}) made nullable, null when unmatched`,
      );
    }
  }
}
