/**
 * Avro logical types mapped to TypeScript values:
 *
 * | Avro                      | TypeScript | why |
 * |---------------------------|------------|-----|
 * | `timestamp-millis` (long) | `Date`     | the natural instant type; epoch-millis numbers are accepted on write |
 * | `date` (int)              | `string` `YYYY-MM-DD` | a calendar day has no time zone; a `Date` would invent midnight UTC |
 * | `decimal` (bytes/fixed)   | `string` e.g. `"12.50"` | exact: no float rounding; numbers are accepted on write if they fit the scale |
 * | `uuid` (string)           | `string`   | checked against the canonical 8-4-4-4-12 hex form on write |
 *
 * A logical type on the wrong underlying type is ignored (the Avro spec's
 * rule), and the value keeps its underlying type.
 */
import avro from 'avsc';

type Schema = avro.Schema & { precision?: number; scale?: number; size?: number; type?: unknown };

const isTypeName = (type: avro.Type, ...names: string[]): boolean => names.includes(type.typeName);

class TimestampMillis extends avro.types.LogicalType {
  protected override _fromValue(value: number): Date {
    return new Date(value);
  }
  protected override _toValue(value: unknown): number | undefined {
    if (value instanceof Date) {
      const ms = value.getTime();
      return Number.isNaN(ms) ? undefined : ms;
    }
    return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
  }
  protected override _resolve(type: avro.Type): ((value: unknown) => Date) | undefined {
    if (isTypeName(type, 'long', 'int', 'logical:timestamp-millis')) return (value) => (value instanceof Date ? value : new Date(value as number));
    return undefined;
  }
}

const DAY_MS = 86_400_000;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` → days since 1970-01-01, or undefined when not a real calendar day. */
export function daysFromIsoDate(value: string): number | undefined {
  const match = DATE_PATTERN.exec(value);
  if (match === null) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const days = ms / DAY_MS;
  return new Date(ms).toISOString().slice(0, 10) === value ? days : undefined;
}

class DateType extends avro.types.LogicalType {
  protected override _fromValue(value: number): string {
    return new Date(value * DAY_MS).toISOString().slice(0, 10);
  }
  protected override _toValue(value: unknown): number | undefined {
    if (typeof value === 'string') return daysFromIsoDate(value);
    if (value instanceof Date && !Number.isNaN(value.getTime())) return Math.floor(value.getTime() / DAY_MS);
    return undefined;
  }
  protected override _resolve(type: avro.Type): ((value: unknown) => string) | undefined {
    if (isTypeName(type, 'logical:date')) return (value) => value as string;
    if (isTypeName(type, 'int')) return (value) => this._fromValue(value as number);
    return undefined;
  }
}

const DECIMAL_PATTERN = /^([+-]?)(\d+)(?:\.(\d+))?$/;

/** Parses a decimal string or number into its unscaled integer at `scale`; undefined when it needs more digits than the scale allows. */
export function unscaledDecimal(value: unknown, scale: number): bigint | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    text = value.toFixed(scale);
    if (Number(text) !== value) return undefined;
  } else if (typeof value === 'string') {
    text = value;
  } else {
    return undefined;
  }
  const match = DECIMAL_PATTERN.exec(text);
  if (match === null) return undefined;
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > scale) return undefined;
  const digits = `${match[2]}${fraction.padEnd(scale, '0')}`;
  const unscaled = BigInt(digits);
  return match[1] === '-' ? -unscaled : unscaled;
}

function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const whole = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${whole}` : whole;
}

/** Big-endian two's complement, as the Avro spec stores decimals. */
function toTwosComplement(value: bigint, size?: number): Buffer {
  let hex = (value < 0n ? -value : value).toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (value < 0n) {
    const width = BigInt(bytes.length * 8);
    const twos = (1n << width) + value; // fits, or needs one more byte for the sign
    bytes = Buffer.from(twos.toString(16).padStart(bytes.length * 2, '0'), 'hex');
    if ((bytes[0] as number) < 0x80) bytes = Buffer.concat([Buffer.from([0xff]), bytes]);
  } else if (bytes.length === 0 || (bytes[0] as number) >= 0x80) {
    bytes = Buffer.concat([Buffer.from([0]), bytes]);
  }
  if (size === undefined) return bytes;
  if (bytes.length > size) throw new RangeError(`decimal needs ${bytes.length} bytes, the fixed type has ${size}`);
  const padded = Buffer.alloc(size, value < 0n ? 0xff : 0);
  bytes.copy(padded, size - bytes.length);
  return padded;
}

function fromTwosComplement(bytes: Buffer): bigint {
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt(`0x${bytes.toString('hex')}`);
  return (bytes[0] as number) >= 0x80 ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}

class DecimalType extends avro.types.LogicalType {
  private readonly precision: number;
  private readonly scale: number;
  private readonly size: number | undefined;

  constructor(schema: Schema, opts?: unknown) {
    super(schema, opts);
    const precision = schema.precision;
    const scale = schema.scale ?? 0;
    if (typeof precision !== 'number' || !Number.isInteger(precision) || precision < 1) throw new Error(`decimal needs a positive integer precision, got ${String(precision)}`);
    if (!Number.isInteger(scale) || scale < 0 || scale > precision) throw new Error(`decimal scale ${scale} must be an integer in 0..precision (${precision})`);
    this.precision = precision;
    this.scale = scale;
    const underlying = (this as unknown as { underlyingType: avro.Type }).underlyingType;
    this.size = underlying.typeName === 'fixed' ? (underlying as unknown as { size: number }).size : undefined;
  }
  protected override _fromValue(value: Buffer): string {
    return formatDecimal(fromTwosComplement(value), this.scale);
  }
  protected override _toValue(value: unknown): Buffer | undefined {
    const unscaled = unscaledDecimal(value, this.scale);
    if (unscaled === undefined) return undefined;
    if ((unscaled < 0n ? -unscaled : unscaled).toString().length > this.precision) return undefined;
    try {
      return toTwosComplement(unscaled, this.size);
    } catch {
      return undefined;
    }
  }
  protected override _resolve(type: avro.Type): ((value: unknown) => string) | undefined {
    const other = type as unknown as { typeName: string; scale?: number; precision?: number };
    if (other.typeName === 'logical:decimal' && other.scale === this.scale && (other.precision ?? 0) <= this.precision) return (value) => value as string;
    return undefined;
  }
}

const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

class UuidType extends avro.types.LogicalType {
  protected override _fromValue(value: string): string {
    return value;
  }
  protected override _toValue(value: unknown): string | undefined {
    return typeof value === 'string' && UUID_PATTERN.test(value) ? value : undefined;
  }
  protected override _resolve(type: avro.Type): ((value: unknown) => string) | undefined {
    return isTypeName(type, 'string', 'logical:uuid') ? (value) => value as string : undefined;
  }
}

/** The `logicalTypes` option for `avsc`'s `Type.forSchema`. */
export const LOGICAL_TYPES = {
  'timestamp-millis': TimestampMillis,
  date: DateType,
  decimal: DecimalType,
  uuid: UuidType,
} as unknown as Record<string, new (schema: avro.Schema, opts?: unknown) => avro.types.LogicalType>;
