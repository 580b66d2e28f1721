/**
 * The window statistics of the pipeline contract, computed the plain way:
 * on the window's readings sorted by eventTime, with two passes where that
 * is the numerically careful choice. This is the independent check of the
 * aggregate service's incremental computation, so it shares no code with it.
 */
import type { Stats } from '@tributary/schemas';

/** Mean, min, max and population standard deviation (two passes: mean first, then squared deviations). */
export function statsOf(values: readonly number[]): Stats {
  const n = values.length;
  if (n === 0) throw new RangeError('statsOf: no values');
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = sum / n;
  let squares = 0;
  for (const v of values) squares += (v - mean) ** 2;
  return { mean, min, max, stddev: Math.sqrt(squares / n) };
}

/**
 * Least-squares slope of `values` against x = (time − windowStart)/60000,
 * per minute: (nΣxy − ΣxΣy)/(nΣxx − (Σx)²). 0 when n < 2 or the
 * denominator is 0. The denominator is computed exactly on integer
 * millisecond offsets, so "is it 0" (all readings at one instant) is decided
 * without rounding error; the numerator uses centred sums, which equal
 * (nΣxy − ΣxΣy)/n without its cancellation.
 */
export function slopePerMinute(times: readonly number[], values: readonly number[], windowStart: number): number {
  const n = times.length;
  if (n !== values.length) throw new RangeError('slopePerMinute: times and values differ in length');
  if (n < 2) return 0;
  const { sumD, denominatorMs2 } = exactSums(times, windowStart);
  if (denominatorMs2 === 0) return 0;
  const meanD = sumD / n;
  let meanY = 0;
  for (const y of values) meanY += y;
  meanY /= n;
  let centred = 0; // Σ(d − d̄)(y − ȳ)
  for (let i = 0; i < n; i++) centred += ((times[i] as number) - windowStart - meanD) * ((values[i] as number) - meanY);
  // slope per ms = n·centred / denominator; × 60000 ms per minute.
  return ((n * centred) / denominatorMs2) * 60_000;
}

/**
 * Σd and n·Σd² − (Σd)² over the integer offsets d = time − windowStart (ms),
 * exactly: in doubles while every term stays below 2^53 (a minute-long
 * window of up to 1,500 readings), in BigInt beyond.
 */
function exactSums(times: readonly number[], windowStart: number): { sumD: number; denominatorMs2: number } {
  const n = times.length;
  let maxAbs = 0;
  for (const t of times) maxAbs = Math.max(maxAbs, Math.abs(t - windowStart));
  if (n * n * maxAbs * maxAbs < Number.MAX_SAFE_INTEGER) {
    let sumD = 0;
    let sumDD = 0;
    for (const t of times) {
      const d = t - windowStart;
      sumD += d;
      sumDD += d * d;
    }
    return { sumD, denominatorMs2: n * sumDD - sumD * sumD };
  }
  let sumD = 0n;
  let sumDD = 0n;
  for (const t of times) {
    const d = BigInt(t - windowStart);
    sumD += d;
    sumDD += d * d;
  }
  return { sumD: Number(sumD), denominatorMs2: Number(BigInt(n) * sumDD - sumD * sumD) };
}

/**
 * Seconds the door was open: over readings sorted by eventTime, each reading
 * with the door open adds the time to the next reading; the last adds
 * nothing. The times must be strictly increasing (a window holds one reading
 * per instant once duplicates are dropped): a RangeError says otherwise.
 * Sums integer milliseconds, divides once.
 */
export function doorOpenSecondsOf(sorted: readonly { readonly time: number; readonly doorOpen: boolean }[]): number {
  let ms = 0;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const { time, doorOpen } = sorted[i] as { time: number; doorOpen: boolean };
    const next = (sorted[i + 1] as { time: number }).time;
    if (!(next > time)) throw new RangeError(`doorOpenSecondsOf: times not strictly increasing (${time} then ${next})`);
    if (doorOpen) ms += next - time;
  }
  return ms / 1000;
}
