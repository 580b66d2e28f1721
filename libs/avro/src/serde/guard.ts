/**
 * A bounds check run before decoding payloads whose writer schema holds
 * arrays or maps. `avsc` trusts a collection's block count: random bytes
 * can claim billions of items and spin (or allocate) for minutes. This walk
 * skips over the body without building values and refuses counts that the
 * remaining bytes cannot hold.
 */
import type avro from 'avsc';
import { CorruptPayload, TruncatedPayload } from '../errors.js';

/** At most this many zero-byte items (arrays of null or of empty records) in one collection. */
const MAX_EMPTY_ITEMS = 1_000_000;

interface TypeLike {
  readonly typeName: string;
  readonly itemsType?: TypeLike;
  readonly valuesType?: TypeLike;
  readonly types?: readonly TypeLike[];
  readonly fields?: readonly { readonly type: TypeLike }[];
  readonly size?: number;
  readonly underlyingType?: TypeLike;
}

export function hasCollections(type: avro.Type): boolean {
  const seen = new Set<TypeLike>();
  const visit = (t: TypeLike): boolean => {
    if (seen.has(t)) return false;
    seen.add(t);
    if (t.typeName === 'array' || t.typeName === 'map') return true;
    if (t.underlyingType !== undefined) return visit(t.underlyingType);
    return (t.types ?? []).some(visit) || (t.fields ?? []).some((f) => visit(f.type));
  };
  return visit(type);
}

/** Throws `TruncatedPayload` / `CorruptPayload` when the body cannot be a value of `type`. */
export function checkBounds(type: avro.Type, buf: Buffer, start: number): void {
  const state = { pos: start };
  skip(type, buf, state, 0);
}

function varint(buf: Buffer, state: { pos: number }): number {
  let result = 0;
  let shift = 0;
  for (;;) {
    if (state.pos >= buf.length) throw new TruncatedPayload('the Avro body ends inside a number');
    const byte = buf[state.pos++] as number;
    if (shift > 63) throw new CorruptPayload('a varint is longer than 10 bytes');
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) break;
  }
  // zig-zag
  return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
}

function advance(buf: Buffer, state: { pos: number }, bytes: number, what: string): void {
  if (bytes < 0) throw new CorruptPayload(`negative length ${bytes} for ${what}`);
  if (state.pos + bytes > buf.length) throw new TruncatedPayload(`the Avro body ends inside ${what} (needs ${bytes} bytes, ${buf.length - state.pos} left)`);
  state.pos += bytes;
}

function minSize(t: TypeLike, depth = 0): number {
  if (depth > 64) return 0;
  switch (t.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    case 'fixed':
      return t.size ?? 0;
    case 'record':
    case 'error':
      return (t.fields ?? []).reduce((sum, f) => sum + minSize(f.type, depth + 1), 0);
    default:
      return t.underlyingType === undefined ? 1 : minSize(t.underlyingType, depth + 1);
  }
}

function skip(t: TypeLike, buf: Buffer, state: { pos: number }, depth: number): void {
  if (depth > 256) throw new CorruptPayload('values nest deeper than 256 levels');
  if (t.underlyingType !== undefined) return skip(t.underlyingType, buf, state, depth);
  switch (t.typeName) {
    case 'null':
      return;
    case 'boolean':
      return advance(buf, state, 1, 'a boolean');
    case 'int':
    case 'long':
    case 'enum':
      varint(buf, state);
      return;
    case 'float':
      return advance(buf, state, 4, 'a float');
    case 'double':
      return advance(buf, state, 8, 'a double');
    case 'fixed':
      return advance(buf, state, t.size ?? 0, 'a fixed');
    case 'bytes':
    case 'string':
      return advance(buf, state, varint(buf, state), t.typeName);
    case 'record':
    case 'error':
      for (const field of t.fields ?? []) skip(field.type, buf, state, depth + 1);
      return;
    case 'union:unwrapped':
    case 'union:wrapped': {
      const index = varint(buf, state);
      const branch = t.types?.[index];
      if (branch === undefined) throw new CorruptPayload(`union branch index ${index} is out of range (${t.types?.length ?? 0} branches)`);
      return skip(branch, buf, state, depth + 1);
    }
    case 'array':
    case 'map': {
      const item = (t.typeName === 'array' ? t.itemsType : t.valuesType) as TypeLike;
      const itemMin = minSize(item) + (t.typeName === 'map' ? 1 : 0);
      for (;;) {
        let count = varint(buf, state);
        if (count === 0) return;
        if (count < 0) {
          count = -count;
          varint(buf, state); // block size in bytes
        }
        const left = buf.length - state.pos;
        if (itemMin > 0 ? count * itemMin > left : count > MAX_EMPTY_ITEMS) {
          throw new CorruptPayload(`a ${t.typeName} block claims ${count} items; only ${left} bytes are left`);
        }
        for (let i = 0; i < count; i++) {
          if (t.typeName === 'map') advance(buf, state, varint(buf, state), 'a map key');
          skip(item, buf, state, depth + 1);
        }
      }
    }
    default:
      throw new CorruptPayload(`cannot check values of Avro type ${t.typeName}`);
  }
}
