import { expect } from 'vitest';
import type { EnrichedReading, Stats, WindowAggregate } from '@tributary/schemas';

/**
 * The "Aggregate semantics" of the common brief, written as literally as
 * possible from the whole list of a window's readings (in arrival order):
 * two-pass population stddev, the textbook least-squares formula, and the
 * door timeline walked in event-time order. Tests compare the streaming
 * operator with it.
 *
 * The two points the brief leaves open are pinned as the operator does:
 * readings with equal event time form one point of the door timeline, open
 * if any of them is; cargoClass/setpointC come from the last-arrived of the
 * readings with the greatest event time.
 */
export function referenceAggregate(containerId: string, windowStart: number, windowMs: number, readings: readonly EnrichedReading[]): WindowAggregate {
  const n = readings.length;
  const stats = (values: number[]): Stats => {
    const mean = values.reduce((s, v) => s + v, 0) / n;
    return { mean, min: Math.min(...values), max: Math.max(...values), stddev: Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n) };
  };
  // x in integer ms keeps Σx and Σxx exact, so "denominator 0" is exact; × 60,000 gives per minute.
  const xs = readings.map((r) => r.eventTime.getTime() - windowStart);
  const slope = (ys: number[]): number => {
    if (n < 2) return 0;
    let sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (let i = 0; i < n; i++) {
      const x = xs[i] as number;
      const y = ys[i] as number;
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    const denominator = n * sxx - sx * sx;
    return denominator === 0 ? 0 : ((n * sxy - sx * sy) / denominator) * 60_000;
  };
  const times = [...new Set(xs)].sort((a, b) => a - b);
  let doorMs = 0;
  for (let i = 0; i + 1 < times.length; i++) {
    const open = readings.some((r, j) => xs[j] === times[i] && r.doorOpen);
    if (open) doorMs += (times[i + 1] as number) - (times[i] as number);
  }
  const maxX = Math.max(...xs);
  const latest = readings.filter((_, j) => xs[j] === maxX).at(-1) as EnrichedReading;
  return {
    containerId,
    windowStart: new Date(windowStart),
    windowEnd: new Date(windowStart + windowMs),
    readingCount: n,
    temperatureC: stats(readings.map((r) => r.temperatureC)),
    humidityPct: stats(readings.map((r) => r.humidityPct)),
    coolingPowerKw: stats(readings.map((r) => r.coolingPowerKw)),
    temperatureSlopeCPerMin: slope(readings.map((r) => r.temperatureC)),
    coolingPowerSlopeKwPerMin: slope(readings.map((r) => r.coolingPowerKw)),
    maxGForce: Math.max(...readings.map((r) => r.gForce)),
    doorOpenSeconds: doorMs / 1000,
    cargoClass: latest.cargoClass,
    setpointC: latest.setpointC,
  };
}

/** Equal up to floating-point rounding: 1e-9 relative (absolute near 0). */
export function expectClose(actual: WindowAggregate, expected: WindowAggregate): void {
  const close = (a: number, e: number, what: string) =>
    expect(Math.abs(a - e), `${what}: ${a} vs ${e}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a), Math.abs(e)));
  expect({ ...actual, temperatureC: 0, humidityPct: 0, coolingPowerKw: 0, temperatureSlopeCPerMin: 0, coolingPowerSlopeKwPerMin: 0 }).toEqual({
    ...expected,
    temperatureC: 0,
    humidityPct: 0,
    coolingPowerKw: 0,
    temperatureSlopeCPerMin: 0,
    coolingPowerSlopeKwPerMin: 0,
  });
  for (const measure of ['temperatureC', 'humidityPct', 'coolingPowerKw'] as const) {
    expect([actual[measure].min, actual[measure].max]).toEqual([expected[measure].min, expected[measure].max]);
    close(actual[measure].mean, expected[measure].mean, `${measure}.mean`);
    close(actual[measure].stddev, expected[measure].stddev, `${measure}.stddev`);
  }
  close(actual.temperatureSlopeCPerMin, expected.temperatureSlopeCPerMin, 'temperatureSlopeCPerMin');
  close(actual.coolingPowerSlopeKwPerMin, expected.coolingPowerSlopeKwPerMin, 'coolingPowerSlopeKwPerMin');
}
