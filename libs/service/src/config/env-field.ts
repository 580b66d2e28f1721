/**
 * Typed environment variables. A field says how to parse one variable and
 * what it expects, so a bad value fails at start with one message naming the
 * variable, its value (masked when secret) and what was expected.
 */
export interface EnvField<T> {
  /** What a valid value looks like, for error messages and READMEs. */
  readonly expected: string;
  /** Masked in errors and never logged. */
  readonly secret: boolean;
  /** Value when the variable is unset or empty; `undefined` means required (unless optional). */
  readonly fallback: (() => T) | undefined;
  /** Parses a non-empty raw value; returns `undefined` when it is invalid. */
  parse(raw: string): T | undefined;
}

interface Common<T> {
  readonly default?: T;
  readonly secret?: boolean;
}
interface OptionalFlag {
  /** Unset is allowed and gives `undefined`. */
  readonly optional: true;
}

type Field<T, O> = O extends OptionalFlag ? EnvField<T | undefined> : EnvField<T>;

function field<T>(expected: string, options: Common<T> & Partial<OptionalFlag>, parse: (raw: string) => T | undefined): EnvField<T> {
  const fallback =
    options.default !== undefined ? () => options.default as T : options.optional === true ? () => undefined as T : undefined;
  return { expected, secret: options.secret ?? false, fallback, parse };
}

const range = (min: number | undefined, max: number | undefined): string =>
  min !== undefined && max !== undefined ? ` between ${min} and ${max}` : min !== undefined ? ` ≥ ${min}` : max !== undefined ? ` ≤ ${max}` : '';

/** Builders of typed environment fields. */
export const env = {
  string<O extends Common<string> & Partial<OptionalFlag> & { pattern?: RegExp; expected?: string }>(options?: O): Field<string, O> {
    const o = options ?? ({} as O);
    return field(o.expected ?? (o.pattern ? `text matching ${String(o.pattern)}` : 'text'), o, (raw) =>
      o.pattern === undefined || o.pattern.test(raw) ? raw : undefined,
    );
  },
  int<O extends Common<number> & Partial<OptionalFlag> & { min?: number; max?: number }>(options?: O): Field<number, O> {
    const o = options ?? ({} as O);
    return field(`an integer${range(o.min, o.max)}`, o, (raw) => {
      if (!/^-?\d+$/.test(raw.trim())) return undefined;
      const n = Number(raw);
      return Number.isSafeInteger(n) && (o.min === undefined || n >= o.min) && (o.max === undefined || n <= o.max) ? n : undefined;
    });
  },
  number<O extends Common<number> & Partial<OptionalFlag> & { min?: number; max?: number }>(options?: O): Field<number, O> {
    const o = options ?? ({} as O);
    return field(`a number${range(o.min, o.max)}`, o, (raw) => {
      const n = raw.trim() === '' ? Number.NaN : Number(raw);
      return Number.isFinite(n) && (o.min === undefined || n >= o.min) && (o.max === undefined || n <= o.max) ? n : undefined;
    });
  },
  boolean<O extends Common<boolean> & Partial<OptionalFlag>>(options?: O): Field<boolean, O> {
    const o = options ?? ({} as O);
    return field('true or false', o, (raw) => {
      const v = raw.trim().toLowerCase();
      return ['true', '1', 'yes'].includes(v) ? true : ['false', '0', 'no'].includes(v) ? false : undefined;
    });
  },
  oneOf<const V extends string, O extends Common<V> & Partial<OptionalFlag>>(values: readonly V[], options?: O): Field<V, O> {
    const o = options ?? ({} as O);
    return field(`one of ${values.map((v) => JSON.stringify(v)).join(', ')}`, o, (raw) =>
      (values as readonly string[]).includes(raw.trim()) ? (raw.trim() as V) : undefined,
    );
  },
  /** Comma-separated, trimmed, empty items dropped; an empty list is invalid. */
  list<O extends Common<string[]> & Partial<OptionalFlag>>(options?: O): Field<string[], O> {
    const o = options ?? ({} as O);
    return field('a comma-separated list', o, (raw) => {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      return items.length > 0 ? items : undefined;
    });
  },
  /** An http(s) URL. */
  url<O extends Common<string> & Partial<OptionalFlag>>(options?: O): Field<string, O> {
    const o = options ?? ({} as O);
    return field('an http:// or https:// URL', o, (raw) => {
      try {
        const url = new URL(raw.trim());
        return url.protocol === 'http:' || url.protocol === 'https:' ? raw.trim().replace(/\/+$/, '') : undefined;
      } catch {
        return undefined;
      }
    });
  },
};
