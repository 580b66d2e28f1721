/**
 * Feature mapping by configuration: `FEATURES=name=expr,name=expr,…`, where
 * `expr` is a dotted path into the input record (`temperatureC.mean`,
 * `doorOpenSeconds`) or the difference of two paths
 * (`temperatureC.mean-setpointC`). The operator stays generic: another
 * pipeline scores its own records by naming its own paths.
 */
import { ConfigError } from '@tributary/streams';

/** One configured feature. */
export interface FeatureSpec {
  /** Name the model knows the feature by (and the key in RiskScore.features). */
  readonly name: string;
  /** The expression as configured, e.g. `temperatureC.mean-setpointC`. */
  readonly expression: string;
  /** Path of the value (or of the minuend of a difference), split at dots. */
  readonly path: readonly string[];
  /** Path subtracted from `path`, for a difference. */
  readonly minus?: readonly string[];
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const EXPECTED = 'name=path or name=path-path (e.g. tempExcessC=temperatureC.mean-setpointC), names and path segments being identifiers';

/** Formats specs back into the `FEATURES` syntax. */
export function formatFeatures(specs: readonly FeatureSpec[]): string {
  return specs.map((s) => `${s.name}=${s.expression}`).join(',');
}

/**
 * Parses the items of `FEATURES` (already split at commas). Throws a
 * ConfigError naming `variable` and the offending item.
 */
export function parseFeatures(items: readonly string[], variable = 'FEATURES'): FeatureSpec[] {
  if (items.length === 0) throw new ConfigError(`${variable} is empty: expected a comma-separated list of ${EXPECTED}`);
  const specs: FeatureSpec[] = [];
  const seen = new Set<string>();
  for (const raw of items) {
    const item = raw.trim();
    const eq = item.indexOf('=');
    const name = eq < 0 ? '' : item.slice(0, eq).trim();
    const expression = eq < 0 ? '' : item.slice(eq + 1).replace(/\s+/g, '');
    const operands = expression.split('-');
    if (!IDENTIFIER.test(name) || operands.length > 2 || operands.some((o) => !PATH.test(o))) {
      throw new ConfigError(`${variable} item ${JSON.stringify(item)} is invalid: expected ${EXPECTED}`);
    }
    if (seen.has(name)) throw new ConfigError(`${variable} names feature "${name}" twice`);
    seen.add(name);
    const [left, right] = operands as [string, string | undefined];
    specs.push({ name, expression, path: left.split('.'), ...(right === undefined ? {} : { minus: right.split('.') }) });
  }
  return specs;
}

/**
 * Checks every path against the numeric paths the input record has (from
 * its schema); an unknown path is a ConfigError listing the known ones.
 */
export function checkFeaturePaths(specs: readonly FeatureSpec[], numericPaths: ReadonlySet<string>, variable = 'FEATURES'): void {
  for (const spec of specs) {
    for (const path of [spec.path, ...(spec.minus === undefined ? [] : [spec.minus])]) {
      const dotted = path.join('.');
      if (!numericPaths.has(dotted)) {
        throw new ConfigError(
          `${variable}: feature "${spec.name}" reads "${dotted}", which is not a numeric field of the input record (numeric fields: ${[...numericPaths].join(', ')})`,
        );
      }
    }
  }
}

/** The value at `path`, as a finite number, or undefined (missing, null, not a number, NaN, ±Infinity). */
function numberAt(record: unknown, path: readonly string[]): number | undefined {
  let value: unknown = record;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  if (value instanceof Date) value = value.getTime();
  if (typeof value === 'bigint') value = Number(value);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * Computes a feature vector per record. A value that is missing, null or
 * not finite — for a difference: either operand — becomes `nullValue`
 * (`FEATURE_NULL_VALUE`): the model sees one well-defined number, and the
 * substitution is the same in training and in serving.
 */
export class FeatureExtractor {
  readonly specs: readonly FeatureSpec[];
  readonly nullValue: number;

  constructor(specs: readonly FeatureSpec[], nullValue = 0) {
    if (!Number.isFinite(nullValue)) throw new RangeError(`the null feature value must be finite, got ${nullValue}`);
    this.specs = specs;
    this.nullValue = nullValue;
  }

  get names(): string[] {
    return this.specs.map((s) => s.name);
  }

  /** One feature's value for `record`. */
  value(record: unknown, spec: FeatureSpec): number {
    const left = numberAt(record, spec.path);
    if (left === undefined) return this.nullValue;
    if (spec.minus === undefined) return left;
    const right = numberAt(record, spec.minus);
    if (right === undefined) return this.nullValue;
    const difference = left - right;
    return Number.isFinite(difference) ? difference : this.nullValue;
  }

  /** The feature vector of `record`, in spec order. */
  extract(record: unknown): number[] {
    return this.specs.map((spec) => this.value(record, spec));
  }
}
