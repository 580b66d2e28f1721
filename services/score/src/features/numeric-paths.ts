/**
 * The dotted paths of an Avro record schema that hold numbers, so a
 * misspelt FEATURES path fails at start instead of scoring every record
 * with the null value.
 */
import type { AvroSchema } from '@tributary/avro';

const NUMERIC = new Set(['int', 'long', 'float', 'double']);

type Json = unknown;

/**
 * Paths of every numeric leaf (int, long, float, double — also behind a
 * logical type such as timestamp-millis, and nullable ones) of a record
 * schema, following nested records and named types defined earlier in it.
 */
export function numericPaths(schema: AvroSchema): Set<string> {
  const named = new Map<string, Json>();
  const paths = new Set<string>();

  const register = (type: Json, namespace: string | undefined): string | undefined => {
    if (typeof type !== 'object' || type === null || Array.isArray(type)) return namespace;
    const t = type as { name?: unknown; namespace?: unknown };
    const ns = typeof t.namespace === 'string' ? t.namespace : namespace;
    if (typeof t.name === 'string') {
      named.set(t.name, type);
      named.set(t.name.includes('.') || ns === undefined ? t.name : `${ns}.${t.name}`, type);
    }
    return ns;
  };

  const visit = (type: Json, prefix: string, namespace: string | undefined, depth: number): void => {
    if (depth > 16) return; // recursive types: no numeric path is that deep in a real record
    if (typeof type === 'string') {
      if (NUMERIC.has(type)) {
        if (prefix !== '') paths.add(prefix);
        return;
      }
      const reference = named.get(type) ?? (namespace === undefined ? undefined : named.get(`${namespace}.${type}`));
      if (reference !== undefined) visit(reference, prefix, namespace, depth + 1);
      return;
    }
    if (Array.isArray(type)) {
      for (const branch of type) if (branch !== 'null') visit(branch, prefix, namespace, depth);
      return;
    }
    if (typeof type !== 'object' || type === null) return;
    const ns = register(type, namespace);
    const t = type as { type?: Json; fields?: { name: string; type: Json }[] };
    if (t.type === 'record' && Array.isArray(t.fields)) {
      for (const field of t.fields) visit(field.type, prefix === '' ? field.name : `${prefix}.${field.name}`, ns, depth + 1);
      return;
    }
    if (typeof t.type === 'string' && NUMERIC.has(t.type) && prefix !== '') paths.add(prefix);
  };

  visit(schema, '', undefined, 0);
  return paths;
}
