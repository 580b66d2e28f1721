/** Where a serde is used: the topic and whether it handles the key or the value. */
export interface SerdeContext {
  readonly topic: string;
  readonly isKey: boolean;
}

/**
 * Turns values into bytes and back. Either side may return a Promise (a schema
 * registry lookup on a cache miss); the runtime awaits only when it must, so a
 * serde that answers synchronously costs no promise per record.
 */
export interface Serde<T> {
  serialize(value: T, context: SerdeContext): Buffer | Promise<Buffer>;
  deserialize(data: Buffer, context: SerdeContext): T | Promise<T>;
}

/** Key and value serdes of a topic. */
export interface Serdes<K, V> {
  readonly key: Serde<K>;
  readonly value: Serde<V>;
}

/** UTF-8 strings. */
export function string(): Serde<string> {
  return STRING;
}
const STRING: Serde<string> = {
  serialize: (value) => Buffer.from(value, 'utf8'),
  deserialize: (data) => data.toString('utf8'),
};

/** JSON documents (UTF-8). */
export function json<T>(): Serde<T> {
  return JSON_SERDE as Serde<T>;
}
const JSON_SERDE: Serde<unknown> = {
  serialize: (value) => Buffer.from(JSON.stringify(value), 'utf8'),
  deserialize: (data) => JSON.parse(data.toString('utf8')) as unknown,
};

/** Raw bytes, untouched. */
export function bytes(): Serde<Buffer> {
  return BYTES;
}
const BYTES: Serde<Buffer> = { serialize: (value) => value, deserialize: (data) => data };

/** 64-bit float, big-endian (8 bytes). */
export function float64(): Serde<number> {
  return FLOAT64;
}
const FLOAT64: Serde<number> = {
  serialize: (value) => {
    const b = Buffer.allocUnsafe(8);
    b.writeDoubleBE(value);
    return b;
  },
  deserialize: (data) => data.readDoubleBE(0),
};

export function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
