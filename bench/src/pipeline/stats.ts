/** Small numeric helpers for the pipeline bench: percentiles of latency samples and their display. */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; undefined when there are none. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** p50, p99 and max of a sample set, with its size. */
export interface Spread {
  readonly n: number;
  readonly p50: number | undefined;
  readonly p99: number | undefined;
  readonly max: number | undefined;
}

export function spread(samples: readonly number[]): Spread {
  return { n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), max: percentile(samples, 100) };
}

/** Milliseconds as a whole number, or `-` when there is nothing to show. */
export function ms(value: number | undefined): string {
  return value === undefined ? '-' : String(Math.round(value));
}

/** Thousands separators, the way the other benches print counts. */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
