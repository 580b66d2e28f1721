/**
 * JSON → Avro validation for ingest: a JSON document is checked against an
 * Avro schema and converted into the value the serde writes. Every error
 * names the field path, the expected type and the value received.
 *
 * The JSON is "natural" JSON, not Avro's JSON encoding: unions are not
 * wrapped (`"humidityPct": 41.5` or `null`), `timestamp-millis` takes an
 * ISO-8601 string with a zone or epoch milliseconds, `date` takes
 * `YYYY-MM-DD`, `decimal` a string or number within its scale, `bytes` and
 * `fixed` a base64 string. Missing fields with a default get the default.
 */
import { daysFromIsoDate, unscaledDecimal } from '../schema/logical-types.js';
import { avroType, schemaOf, type SchemaInput } from '../schema/types.js';

export interface JsonFieldError {
  /** `gps.latitudeDeg`, `readings[3].value`, `(root)`. */
  readonly path: string;
  /** The Avro type expected there, in words: `double`, `timestamp-millis (ISO-8601 string or epoch ms)`. */
  readonly expected: string;
  /** The JSON received there (`"abc" (string)`, `missing`). */
  readonly received: string;
  /** `path: expected …, received …`. */
  readonly message: string;
}

export type JsonValidation<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: readonly JsonFieldError[] };

export interface JsonValidatorOptions {
  /** Accept (and drop) fields the schema does not have; default false: they are errors. */
  readonly allowUnknownFields?: boolean;
  /** Stop after this many errors (default 50). */
  readonly maxErrors?: number;
}

interface T {
  readonly typeName: string;
  readonly name?: string;
  readonly fields?: readonly { readonly name: string; readonly type: T; defaultValue(): unknown }[];
  readonly symbols?: readonly string[];
  readonly size?: number;
  readonly itemsType?: T;
  readonly valuesType?: T;
  readonly types?: readonly T[];
  readonly underlyingType?: T;
}

const INVALID = Symbol('invalid');
type Out = unknown;

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class JsonValidator<V> {
  private readonly type: T;
  private readonly allowUnknown: boolean;
  private readonly maxErrors: number;

  constructor(schema: SchemaInput<V>, options: JsonValidatorOptions = {}) {
    this.type = avroType(schemaOf(schema)) as unknown as T;
    this.allowUnknown = options.allowUnknownFields ?? false;
    this.maxErrors = options.maxErrors ?? 50;
  }

  validate(document: unknown): JsonValidation<V> {
    const errors: JsonFieldError[] = [];
    const value = this.visit(this.type, document, '', errors);
    if (errors.length > 0 || value === INVALID) return { ok: false, errors };
    return { ok: true, value: value as V };
  }

  private fail(errors: JsonFieldError[], path: string, expected: string, received: unknown): typeof INVALID {
    if (errors.length < this.maxErrors) {
      const at = path === '' ? '(root)' : path;
      const got = describeJson(received);
      errors.push({ path: at, expected, received: got, message: `${at}: expected ${expected}, received ${got}` });
    }
    return INVALID;
  }

  private visit(type: T, value: unknown, path: string, errors: JsonFieldError[]): Out {
    switch (type.typeName) {
      case 'null':
        return value === null ? null : this.fail(errors, path, 'null', value);
      case 'boolean':
        return typeof value === 'boolean' ? value : this.fail(errors, path, 'boolean', value);
      case 'int':
        return Number.isInteger(value) && (value as number) >= -(2 ** 31) && (value as number) < 2 ** 31 ? value : this.fail(errors, path, 'int (32-bit integer)', value);
      case 'long':
        return Number.isSafeInteger(value) ? value : this.fail(errors, path, 'long (integer)', value);
      case 'float':
      case 'double':
        return typeof value === 'number' && Number.isFinite(value) ? value : this.fail(errors, path, `${type.typeName} (number)`, value);
      case 'string':
        return typeof value === 'string' ? value : this.fail(errors, path, 'string', value);
      case 'bytes':
        return typeof value === 'string' && BASE64.test(value) ? Buffer.from(value, 'base64') : this.fail(errors, path, 'bytes (base64 string)', value);
      case 'fixed': {
        const bytes = typeof value === 'string' && BASE64.test(value) ? Buffer.from(value, 'base64') : undefined;
        return bytes !== undefined && bytes.length === type.size ? bytes : this.fail(errors, path, `fixed ${type.size} bytes (base64 string)`, value);
      }
      case 'enum':
        return typeof value === 'string' && (type.symbols ?? []).includes(value) ? value : this.fail(errors, path, `one of ${(type.symbols ?? []).join(', ')}`, value);
      case 'array':
        return this.array(type, value, path, errors);
      case 'map':
        return this.map(type, value, path, errors);
      case 'record':
      case 'error':
        return this.record(type, value, path, errors);
      case 'union:unwrapped':
      case 'union:wrapped':
        return this.union(type, value, path, errors);
      default:
        return this.logical(type, value, path, errors);
    }
  }

  private array(type: T, value: unknown, path: string, errors: JsonFieldError[]): Out {
    if (!Array.isArray(value)) return this.fail(errors, path, `array of ${expectedName(type.itemsType as T)}`, value);
    const out = value.map((item, i) => this.visit(type.itemsType as T, item, `${path}[${i}]`, errors));
    return out.includes(INVALID) ? INVALID : out;
  }

  private map(type: T, value: unknown, path: string, errors: JsonFieldError[]): Out {
    if (!isObject(value)) return this.fail(errors, path, `map of ${expectedName(type.valuesType as T)} (JSON object)`, value);
    const out: Record<string, unknown> = {};
    let ok = true;
    for (const [key, item] of Object.entries(value)) {
      const converted = this.visit(type.valuesType as T, item, pathJoin(path, key), errors);
      if (converted === INVALID) ok = false;
      out[key] = converted;
    }
    return ok ? out : INVALID;
  }

  private record(type: T, value: unknown, path: string, errors: JsonFieldError[]): Out {
    if (!isObject(value)) return this.fail(errors, path, `record ${shortName(type.name)} (JSON object)`, value);
    const out: Record<string, unknown> = {};
    let ok = true;
    const fields = type.fields ?? [];
    for (const field of fields) {
      const fieldPath = pathJoin(path, field.name);
      if (!Object.prototype.hasOwnProperty.call(value, field.name) || value[field.name] === undefined) {
        if (Object.prototype.hasOwnProperty.call(field, 'defaultValue')) {
          out[field.name] = field.defaultValue();
        } else {
          ok = false;
          this.fail(errors, fieldPath, expectedName(field.type), undefined);
        }
        continue;
      }
      const converted = this.visit(field.type, value[field.name], fieldPath, errors);
      if (converted === INVALID) ok = false;
      out[field.name] = converted;
    }
    if (!this.allowUnknown) {
      const known = new Set(fields.map((f) => f.name));
      for (const key of Object.keys(value)) {
        if (!known.has(key)) {
          ok = false;
          this.fail(errors, pathJoin(path, key), `no such field (record ${shortName(type.name)} has ${fields.map((f) => f.name).join(', ')})`, value[key]);
        }
      }
    }
    return ok ? out : INVALID;
  }

  private union(type: T, value: unknown, path: string, errors: JsonFieldError[]): Out {
    const branches = type.types ?? [];
    const candidates = branches.filter((b) => (value === null) === (b.typeName === 'null'));
    for (const branch of candidates) {
      const trial: JsonFieldError[] = [];
      const converted = this.visit(branch, value, path, trial);
      if (converted !== INVALID && trial.length === 0) return converted;
    }
    // One plausible branch (the usual ["null", T]): its own errors are the precise ones.
    if (candidates.length === 1) return this.visit(candidates[0] as T, value, path, errors);
    return this.fail(errors, path, branches.map(expectedName).join(' or '), value);
  }

  private logical(type: T, value: unknown, path: string, errors: JsonFieldError[]): Out {
    switch (type.typeName) {
      case 'logical:timestamp-millis':
        if (Number.isSafeInteger(value)) return new Date(value as number);
        if (typeof value === 'string' && ISO_TIMESTAMP.test(value)) {
          const ms = Date.parse(value);
          if (!Number.isNaN(ms)) return new Date(ms);
        }
        return this.fail(errors, path, expectedName(type), value);
      case 'logical:date':
        return typeof value === 'string' && daysFromIsoDate(value) !== undefined ? value : this.fail(errors, path, expectedName(type), value);
      case 'logical:uuid':
        return typeof value === 'string' && UUID.test(value) ? value : this.fail(errors, path, expectedName(type), value);
      case 'logical:decimal': {
        const { precision = 0, scale = 0 } = (type as unknown as { precision?: number; scale?: number });
        const unscaled = unscaledDecimal(value, scale);
        if (unscaled !== undefined && (unscaled < 0n ? -unscaled : unscaled).toString().length <= precision) return typeof value === 'number' ? value.toFixed(scale) : value;
        return this.fail(errors, path, expectedName(type), value);
      }
      default:
        // A logical type this module does not map: validate the underlying type.
        return type.underlyingType === undefined ? this.fail(errors, path, type.typeName, value) : this.visit(type.underlyingType, value, path, errors);
    }
  }
}

/** One-off validation; build a `JsonValidator` once to validate many documents. */
export function validateJson<V>(schema: SchemaInput<V>, document: unknown, options?: JsonValidatorOptions): JsonValidation<V> {
  return new JsonValidator<V>(schema, options).validate(document);
}

function expectedName(type: T): string {
  switch (type.typeName) {
    case 'logical:timestamp-millis':
      return 'timestamp-millis (ISO-8601 string with zone, or epoch milliseconds)';
    case 'logical:date':
      return 'date (YYYY-MM-DD)';
    case 'logical:uuid':
      return 'uuid (8-4-4-4-12 hex string)';
    case 'logical:decimal': {
      const { precision, scale } = type as unknown as { precision?: number; scale?: number };
      return `decimal(${precision}, ${scale}) (string or number with at most ${scale} decimals)`;
    }
    case 'record':
      return `record ${shortName(type.name)}`;
    case 'enum':
      return `one of ${(type.symbols ?? []).join(', ')}`;
    case 'array':
      return `array of ${expectedName(type.itemsType as T)}`;
    case 'map':
      return `map of ${expectedName(type.valuesType as T)}`;
    case 'union:unwrapped':
    case 'union:wrapped':
      return (type.types ?? []).map(expectedName).join(' or ');
    default:
      return type.underlyingType !== undefined ? expectedName(type.underlyingType) : type.typeName;
  }
}

function describeJson(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  const kind = Array.isArray(value) ? 'array' : typeof value;
  const text = (JSON.stringify(value) as string | undefined) ?? typeof value;
  return `${text.length > 60 ? `${text.slice(0, 57)}...` : text} (${kind})`;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const shortName = (name: string | undefined): string => (name ?? '').split('.').pop() ?? '';
const pathJoin = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
