import { expect } from 'vitest';
import type { EnrichedReading, Stats, WindowAggregate } from '@tributary/schemas';

/**
 * The "Aggregate semantics" of the common brief, written as literally as
 * possible from the whole list of a window's readings (in arrival order):
 * two-pass population stddev, the textbook least-squares formula, and the
 * door timeline walked in event-time order. Tests compare the streaming
 * operator with it.
 *
 * Duplicates first: of the readings sharing an event time, only the first to
 * arrive counts; the others are dropped whatever their values (ingest is
 * at-least-once, so (containerId, eventTime) identifies a reading). After
 * that every event time is distinct, so the door timeline and "the reading
 * with the greatest event time" need no tie rule.
 */
export function referenceAggregate(containerId: string, windowStart: number, windowMs: number, arrivals: readonly EnrichedReading[]): WindowAggregate {
  const firstAtTime = new Map<number, EnrichedReading>();
  for (const r of arrivals) if (!firstAtTime.has(r.eventTime.getTime())) firstAtTime.set(r.eventTime.getTime(), r);
  const readings = [...firstAtTime.values()];
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
  const byTime = [...readings].sort((a, b) => a.eventTime.getTime() - b.eventTime.getTime());
  let doorMs = 0;
  for (let i = 0; i + 1 < byTime.length; i++) {
    const r = byTime[i] as EnrichedReading;
    if (r.doorOpen) doorMs += (byTime[i + 1] as EnrichedReading).eventTime.getTime() - r.eventTime.getTime();
  }
  const latest = byTime.at(-1) as EnrichedReading;
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
