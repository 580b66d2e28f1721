/** Names of database objects: the one place identifiers are derived and quoted. */

/** PostgreSQL truncates longer identifiers silently; the sink refuses them instead. */
export const MAX_IDENTIFIER_LENGTH = 63;

/**
 * An Avro field name as a column name: `containerId` → `container_id`,
 * `maxGForce` → `max_g_force`, `HTTPStatus` → `http_status`.
 */
export function snakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** A double-quoted identifier (the sink always quotes, so reserved words are fine as names). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"`. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** A single-quoted SQL string literal. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
