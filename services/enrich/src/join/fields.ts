/**
 * `JOIN_FIELDS`: the reference fields ENRICH_MODE=join copies into the
 * output. A comma-separated list of
 *
 *   item = field | outName "=" field
 *   field, outName = identifier ([A-Za-z_][A-Za-z0-9_]*)
 *
 * `field` is a top-level field of the reference record; the output field is
 * `outName` (default: the same name). Parsing checks the syntax and that no
 * output name repeats; `checkJoinSchemas` checks the names against the
 * registered schemas.
 */
import { ConfigError } from '@tributary/streams';

/** One configured join field. */
export interface JoinField {
  /** Output field name. */
  readonly name: string;
  /** The reference field it is copied from. */
  readonly field: string;
  /** The item as configured (`limit=creditLimit`), for messages. */
  readonly token: string;
}

export const JOIN_FIELDS_EXPECTED = 'a comma-separated list of field or outName=field items (identifiers), e.g. homeLat,homeLon,limit=creditLimit';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses `JOIN_FIELDS`; a bad item is a ConfigError naming the variable and the item. */
export function parseJoinFields(raw: string, variable = 'JOIN_FIELDS'): JoinField[] {
  const items = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new ConfigError(`${variable} is empty: expected ${JOIN_FIELDS_EXPECTED}`);
  const fields: JoinField[] = [];
  const seen = new Set<string>();
  for (const token of items) {
    const parts = token.split('=').map((s) => s.trim());
    const invalid = (why: string) => new ConfigError(`${variable} item ${JSON.stringify(token)} is invalid: ${why}; expected ${JOIN_FIELDS_EXPECTED}`);
    if (parts.length > 2) throw invalid('more than one "="');
    const [name, field] = parts.length === 2 ? (parts as [string, string]) : [parts[0] as string, parts[0] as string];
    if (!IDENTIFIER.test(name)) throw invalid(`the output name ${JSON.stringify(name)} is not an identifier`);
    if (!IDENTIFIER.test(field)) throw invalid(`the reference field ${JSON.stringify(field)} is not an identifier`);
    if (seen.has(name)) throw invalid(`the output name "${name}" is already used by an earlier item`);
    seen.add(name);
    fields.push({ name, field, token });
  }
  return fields;
}
