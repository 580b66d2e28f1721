/**
 * A primitive identity for a key, so object keys can live in a `Map`:
 * strings are themselves, numbers and other values get a prefix and a stable
 * JSON form (object properties sorted), Buffers their hex.
 */
export function keyId(key: unknown): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean') return `\u0000${typeof key}:${String(key)}`;
  if (Buffer.isBuffer(key)) return `\u0000b:${key.toString('hex')}`;
  return `\u0000j:${stableJson(key)}`;
}

function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}
