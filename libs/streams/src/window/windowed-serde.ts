import { isPromise, type Serde, type SerdeContext } from '../serde.js';
import type { Windowed } from './windows.js';

/**
 * The binary form of a windowed key, on output topics and in window-store
 * changelogs: the key's own bytes, then the window start and end as signed
 * 64-bit big-endian integers (ms):
 *
 * ```
 * | key bytes (n) | start (8, int64 BE) | end (8, int64 BE) |
 * ```
 *
 * 16 bytes over the key, no length prefix (the key is everything before the
 * last 16 bytes). Bytes sort by key, then start, then end.
 */
export function windowedSerde<K>(keySerde: Serde<K>): Serde<Windowed<K>> {
  return {
    serialize(value: Windowed<K>, context: SerdeContext): Buffer | Promise<Buffer> {
      const key = keySerde.serialize(value.key, context);
      if (isPromise(key)) return key.then((k) => encodeWindowedKey(k, value.window.start, value.window.end));
      return encodeWindowedKey(key, value.window.start, value.window.end);
    },
    deserialize(data: Buffer, context: SerdeContext): Windowed<K> | Promise<Windowed<K>> {
      const { key: bytes, start, end } = decodeWindowedKey(data);
      const key = keySerde.deserialize(bytes, context);
      if (isPromise(key)) return key.then((k) => ({ key: k, window: { start, end } }));
      return { key, window: { start, end } };
    },
  };
}

export function encodeWindowedKey(key: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(key.length + 16);
  key.copy(out, 0);
  out.writeBigInt64BE(BigInt(start), key.length);
  out.writeBigInt64BE(BigInt(end), key.length + 8);
  return out;
}

export function decodeWindowedKey(data: Buffer): { key: Buffer; start: number; end: number } {
  if (data.length < 16) throw new RangeError(`a windowed key has at least 16 bytes, got ${data.length}`);
  const n = data.length - 16;
  return { key: data.subarray(0, n), start: Number(data.readBigInt64BE(n)), end: Number(data.readBigInt64BE(n + 8)) };
}
