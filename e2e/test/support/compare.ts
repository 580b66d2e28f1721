/** Field-by-field comparison of numbers with a tolerance: incremental sums and a sorted two-pass computation differ in the last bits. */
export function closeTo(actual: number, expected: number, relative = 1e-9, absolute = 1e-9): boolean {
  return Math.abs(actual - expected) <= Math.max(absolute, relative * Math.abs(expected));
}

/** Differences between two plain values (objects, arrays, numbers, Dates), as `path: actual vs expected` lines. */
export function differences(actual: unknown, expected: unknown, path = '', tolerance = { relative: 1e-9, absolute: 1e-9 }): string[] {
  if (typeof expected === 'number' && typeof actual === 'number') {
    return closeTo(actual, expected, tolerance.relative, tolerance.absolute) ? [] : [`${path}: ${actual} vs ${expected}`];
  }
  if (expected instanceof Date || actual instanceof Date) {
    const a = actual instanceof Date ? actual.getTime() : actual;
    const e = expected instanceof Date ? expected.getTime() : expected;
    return a === e ? [] : [`${path}: ${String(a)} vs ${String(e)}`];
  }
  if (expected !== null && typeof expected === 'object' && actual !== null && typeof actual === 'object') {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((k) => differences((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`, tolerance));
  }
  return Object.is(actual, expected) ? [] : [`${path}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`];
}
