/**
 * `LOOKBACK_FEATURES`: the look-back features of AGGREGATE_MODE=lookback, by
 * configuration. A comma-separated list of `name=function:range`:
 *
 *   feature  = name "=" function ":" range
 *   function = "count" | "count()"
 *            | ("sum" | "avg" | "min" | "max" | "distinct") "(" field ")"
 *            | "distance" "(" latField "," lonField ")"
 *   range    = integer ("s" | "m" | "h" | "d")    e.g. 10m, 24h, 7d   (> 0)
 *            | "last"                              distance only: no age limit
 *   name, field = identifier ([A-Za-z_][A-Za-z0-9_]*), a top-level field of the input record
 *
 * The commas inside `distance(lat,lon)` do not split items. Parsing checks
 * the syntax only; `checkInputFields` checks the fields against the input
 * schema.
 */
import { ConfigError } from '@tributary/streams';

export type LookbackFunction = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'distinct' | 'distance';

/** One configured feature. */
export interface LookbackFeature {
  /** Output field name. */
  readonly name: string;
  /** The item as configured (`amountSum10m=sum(amount):10m`), for messages. */
  readonly token: string;
  readonly fn: LookbackFunction;
  /** The input fields read: none for count, one for sum/avg/min/max/distinct, [lat, lon] for distance. */
  readonly fields: readonly string[];
  /** Range in ms of event time before the payment (inclusive), or `last` (distance only: the previous located event, however old). */
  readonly range: number | 'last';
}

export const LOOKBACK_FEATURES_EXPECTED =
  'name=function:range, function one of count, sum(field), avg(field), min(field), max(field), distinct(field), distance(latField,lonField), ' +
  'range a duration such as 30s, 10m, 24h, 7d (or last, for distance only); e.g. count10m=count:10m,kmFromLast=distance(lat,lon):last';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const ARITY: Record<LookbackFunction, number> = { count: 0, sum: 1, avg: 1, min: 1, max: 1, distinct: 1, distance: 2 };

/** Splits at commas outside parentheses; items are trimmed, empty ones dropped. */
export function splitFeatureItems(raw: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of raw) {
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    if (c === ',' && depth === 0) {
      items.push(current);
      current = '';
    } else current += c;
  }
  items.push(current);
  return items.map((s) => s.trim()).filter((s) => s !== '');
}

/** Parses a duration of the grammar (`10m`) to ms; undefined when it is not one. */
export function parseRange(text: string): number | 'last' | undefined {
  if (text === 'last') return 'last';
  const match = /^(\d+)(s|m|h|d)$/.exec(text);
  if (match === null) return undefined;
  const ms = Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

/** Parses `LOOKBACK_FEATURES`; a bad item is a ConfigError naming the variable and the item. */
export function parseLookbackFeatures(raw: string, variable = 'LOOKBACK_FEATURES'): LookbackFeature[] {
  const items = splitFeatureItems(raw);
  if (items.length === 0) throw new ConfigError(`${variable} is empty: expected a comma-separated list of ${LOOKBACK_FEATURES_EXPECTED}`);
  const features: LookbackFeature[] = [];
  const seen = new Set<string>();
  for (const token of items) {
    const invalid = (why: string) => new ConfigError(`${variable} item ${JSON.stringify(token)} is invalid: ${why}; expected ${LOOKBACK_FEATURES_EXPECTED}`);
    const compact = token.replace(/\s+/g, '');
    const eq = compact.indexOf('=');
    const colon = compact.lastIndexOf(':');
    if (eq < 0) throw invalid('no "=" between the name and the function');
    if (colon < eq) throw invalid('no ":range" after the function');
    const name = compact.slice(0, eq);
    if (!IDENTIFIER.test(name)) throw invalid(`the name "${name}" is not an identifier`);
    const call = /^([A-Za-z]+)(?:\((.*)\))?$/.exec(compact.slice(eq + 1, colon));
    if (call === null) throw invalid(`cannot read the function "${compact.slice(eq + 1, colon)}"`);
    const fn = call[1] as string;
    if (!(fn in ARITY)) throw invalid(`unknown function "${fn}"`);
    const args = call[2] === undefined || call[2] === '' ? [] : call[2].split(',');
    const arity = ARITY[fn as LookbackFunction];
    if (args.length !== arity) throw invalid(`${fn} takes ${arity === 0 ? 'no field' : arity === 1 ? 'one field' : 'two fields (latitude, longitude)'}, got ${args.length}`);
    const badField = args.find((a) => !IDENTIFIER.test(a));
    if (badField !== undefined) throw invalid(`the field "${badField}" is not an identifier`);
    const rangeText = compact.slice(colon + 1);
    const range = parseRange(rangeText);
    if (range === undefined) throw invalid(`cannot read the range "${rangeText}" (a whole number > 0 of s, m, h or d, or last)`);
    if (range === 'last' && fn !== 'distance') throw invalid(`"last" is a range for distance only; ${fn} needs a duration`);
    if (seen.has(name)) throw new ConfigError(`${variable} names feature "${name}" twice`);
    seen.add(name);
    features.push({ name, token, fn: fn as LookbackFunction, fields: args, range });
  }
  return features;
}

/** The longest duration of any feature (0 when every feature is `last`): how far back the state keeps events. */
export function longestRange(features: readonly LookbackFeature[]): number {
  return Math.max(0, ...features.map((f) => (f.range === 'last' ? 0 : f.range)));
}
