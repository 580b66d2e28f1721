/**
 * The JSON Schema (2020-12, as OpenAPI 3.1 uses it) of the JSON the ingest
 * route accepts for an Avro schema — the same "natural" JSON the validator
 * of `@tributary/avro` takes: unions unwrapped, timestamps as ISO-8601
 * strings or epoch milliseconds, `date` as `YYYY-MM-DD`, decimals as strings
 * or numbers, bytes as base64. Used to document the request body; the
 * validator, not this schema, decides what is accepted.
 */
import type { AvroSchema } from '@tributary/avro';

export type JsonSchema = Record<string, unknown>;

type Avro = string | readonly Avro[] | { readonly [key: string]: unknown };

/** The JSON Schema of one record of `schema`; `unknownFields` says whether extra fields are tolerated. */
export function recordJsonSchema(schema: AvroSchema, unknownFields = false): JsonSchema {
  return new Converter(unknownFields).convert(schema as Avro, '');
}

const PRIMITIVES: Readonly<Record<string, JsonSchema>> = {
  null: { type: 'null' },
  boolean: { type: 'boolean' },
  int: { type: 'integer', format: 'int32', minimum: -(2 ** 31), maximum: 2 ** 31 - 1 },
  long: { type: 'integer', format: 'int64', minimum: Number.MIN_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
  float: { type: 'number', format: 'float' },
  double: { type: 'number', format: 'double' },
  string: { type: 'string' },
  bytes: { type: 'string', contentEncoding: 'base64' },
};

const TIMESTAMP: JsonSchema = {
  oneOf: [
    { type: 'string', format: 'date-time', description: 'ISO-8601 with a zone' },
    { type: 'integer', description: 'milliseconds since the epoch' },
  ],
};

class Converter {
  /** Named types seen so far (Avro names are defined once and referenced by name afterwards). */
  private readonly named = new Map<string, { readonly [key: string]: unknown }>();
  /** Names being converted: a reference to one of them is a recursive type. */
  private readonly open = new Set<string>();

  constructor(private readonly unknownFields: boolean) {}

  convert(schema: Avro, namespace: string): JsonSchema {
    if (typeof schema === 'string') return this.reference(schema, namespace);
    if (Array.isArray(schema)) return this.union(schema as readonly Avro[], namespace);
    const object = schema as { readonly [key: string]: unknown };
    const type = object['type'] as Avro;
    const logical = this.logical(object);
    if (logical !== undefined) return withDoc(logical, object['doc']);
    switch (type) {
      case 'record':
      case 'error':
        return this.record(object, namespace);
      case 'enum':
        this.define(object, namespace);
        return withDoc({ type: 'string', enum: object['symbols'] }, object['doc']);
      case 'fixed':
        this.define(object, namespace);
        return withDoc({ type: 'string', contentEncoding: 'base64', description: `${String(object['size'])} bytes, base64` }, object['doc']);
      case 'array':
        return { type: 'array', items: this.convert(object['items'] as Avro, namespace) };
      case 'map':
        return { type: 'object', additionalProperties: this.convert(object['values'] as Avro, namespace) };
      default:
        return this.convert(type, namespace);
    }
  }

  private reference(name: string, namespace: string): JsonSchema {
    const primitive = PRIMITIVES[name];
    if (primitive !== undefined) return { ...primitive };
    const full = name.includes('.') || namespace === '' ? name : `${namespace}.${name}`;
    const key = this.named.has(full) ? full : name;
    const definition = this.named.get(key);
    if (definition === undefined) return { description: `unknown type ${name}` };
    return this.convert(definition, namespaceOf(key));
  }

  private record(object: { readonly [key: string]: unknown }, namespace: string): JsonSchema {
    const name = this.define(object, namespace);
    if (this.open.has(name)) return { description: `a ${name} (recursive)` };
    this.open.add(name);
    const inner = namespaceOf(name);
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const field of (object['fields'] as { name: string; type: Avro; doc?: unknown; default?: unknown }[] | undefined) ?? []) {
      const property = withDoc(this.convert(field.type, inner), field.doc);
      if ('default' in field) property['default'] = field.default;
      else required.push(field.name);
      properties[field.name] = property;
    }
    this.open.delete(name);
    return withDoc({ type: 'object', title: name, properties, required, additionalProperties: this.unknownFields }, object['doc']);
  }

  private union(branches: readonly Avro[], namespace: string): JsonSchema {
    const options = branches.map((branch) => this.convert(branch, namespace));
    return options.length === 1 ? (options[0] as JsonSchema) : { anyOf: options };
  }

  private logical(object: { readonly [key: string]: unknown }): JsonSchema | undefined {
    switch (object['logicalType']) {
      case 'timestamp-millis':
      case 'timestamp-micros':
      case 'local-timestamp-millis':
        return { ...TIMESTAMP };
      case 'date':
        return { type: 'string', format: 'date' };
      case 'uuid':
        return { type: 'string', format: 'uuid' };
      case 'decimal':
        return { type: ['string', 'number'], description: `decimal, scale ${typeof object['scale'] === 'number' ? object['scale'] : 0}: a string or number with at most that many decimals` };
      default:
        return undefined;
    }
  }

  /** Remembers a named type; returns its full name. */
  private define(object: { readonly [key: string]: unknown }, namespace: string): string {
    const name = typeof object['name'] === 'string' ? object['name'] : '';
    const ns = typeof object['namespace'] === 'string' ? object['namespace'] : namespace;
    const full = name.includes('.') || ns === '' ? name : `${ns}.${name}`;
    if (name !== '' && !this.named.has(full)) {
      this.named.set(full, object);
      if (!this.named.has(name)) this.named.set(name, object);
    }
    return full;
  }
}

function namespaceOf(fullName: string): string {
  const dot = fullName.lastIndexOf('.');
  return dot === -1 ? '' : fullName.slice(0, dot);
}

function withDoc(schema: JsonSchema, doc: unknown): JsonSchema {
  return typeof doc === 'string' && doc !== '' ? { ...schema, description: doc } : schema;
}
