import type { ContainerReference, SensorReading } from '@tributary/schemas';
import { describe, expect, it } from 'vitest';
import { doorOpenSecondsOf, expectedWindows, OracleError, slopePerMinute, statsOf } from '../src/oracle/index.js';
import type { PostItem } from '../src/simulator/index.js';

const W = Date.UTC(2025, 5, 1, 12, 0); // a window start (minute-aligned)
const S = 1000;

function reading(containerId: string, offsetMs: number, fields: Partial<Omit<SensorReading, 'containerId' | 'eventTime'>> = {}): SensorReading {
  return { containerId, eventTime: new Date(W + offsetMs), temperatureC: 0, humidityPct: 50, coolingPowerKw: 1, doorOpen: false, gForce: 1, gps: null, ...fields };
}
const post = (r: SensorReading, late = false): PostItem => ({ kind: 'reading', reading: r, late });
const reference = (containerId: string, setpointC: number): ContainerReference => ({
  containerId,
  shipmentId: '00000000-0000-4000-8000-000000000000',
  cargoClass: 'CHILLED',
  cargoDescription: 'test',
  setpointC,
  toleranceC: 1,
  cargoValueUsd: null,
  loadedOn: '2025-05-30',
  updatedAt: new Date(W - 86_400_000),
});
const fleetOf = (items: PostItem[], references: ContainerReference[] = []) => ({ references, posts: () => items });

describe('statistics, by hand', () => {
  it('population standard deviation: [2, 4] → 1 (the sample one would be √2)', () => {
    expect(statsOf([2, 4])).toEqual({ mean: 3, min: 2, max: 4, stddev: 1 });
    expect(statsOf([1, 2, 3, 4]).stddev).toBeCloseTo(Math.sqrt(5 / 4), 15);
    expect(statsOf([7.5])).toEqual({ mean: 7.5, min: 7.5, max: 7.5, stddev: 0 });
  });

  it('slope per minute: (nΣxy − ΣxΣy)/(nΣxx − (Σx)²) with x in minutes from the window start', () => {
    const times = [0, 15 * S, 30 * S, 45 * S].map((d) => W + d); // x = 0, .25, .5, .75
    expect(slopePerMinute(times, [1, 2, 3, 4], W)).toBeCloseTo(4, 12); // a line rising 1 per 15 s
    // y = 0,1,0,1: n=4, Σx=1.5, Σy=2, Σxy=1, Σxx=.875 → (4 − 3)/(3.5 − 2.25) = 0.8
    expect(slopePerMinute(times, [0, 1, 0, 1], W)).toBeCloseTo(0.8, 12);
    // The window start only shifts x: the slope does not depend on it.
    expect(slopePerMinute(times, [0, 1, 0, 1], W - 60_000)).toBeCloseTo(0.8, 12);
  });

  it('slope is 0 with fewer than two readings or when all readings share one instant', () => {
    expect(slopePerMinute([W + 5 * S], [3], W)).toBe(0);
    expect(slopePerMinute([W + 5 * S, W + 5 * S, W + 5 * S], [1, 2, 9], W)).toBe(0);
  });

  it('door-open seconds: each open reading adds the gap to the next; the last adds nothing', () => {
    expect(doorOpenSecondsOf([{ time: 0, doorOpen: false }, { time: 5 * S, doorOpen: true }, { time: 50 * S, doorOpen: true }])).toBe(45);
    expect(doorOpenSecondsOf([{ time: 0, doorOpen: true }])).toBe(0);
  });

  it('door-open seconds: refuses two readings at one instant or unsorted times (duplicates are dropped before)', () => {
    expect(() => doorOpenSecondsOf([{ time: 0, doorOpen: true }, { time: 0, doorOpen: false }, { time: 2500, doorOpen: false }])).toThrow(RangeError);
    expect(() => doorOpenSecondsOf([{ time: 2500, doorOpen: true }, { time: 0, doorOpen: false }])).toThrow(RangeError);
  });
});

describe('expectedWindows, by hand', () => {
  it('computes every field of a window from readings posted out of order', () => {
    const items = [
      post(reading('AAAU0000000', 10 * S, { temperatureC: 2, humidityPct: 80, coolingPowerKw: 3, doorOpen: true, gForce: 1.2 })),
      post(reading('AAAU0000000', 0, { temperatureC: 1, humidityPct: 70, coolingPowerKw: 4, doorOpen: true, gForce: 1.0 })),
      post(reading('AAAU0000000', 30 * S, { temperatureC: 4, humidityPct: 90, coolingPowerKw: 1, doorOpen: false, gForce: 3.5 })),
      post(reading('AAAU0000000', 20 * S, { temperatureC: 3, humidityPct: 80, coolingPowerKw: 2, doorOpen: true, gForce: 1.1 })),
    ];
    const { aggregates, late, malformed, unmatchedReadings } = expectedWindows(fleetOf(items, [reference('AAAU0000000', 3)]));
    expect({ late, malformed, unmatchedReadings }).toEqual({ late: [], malformed: 0, unmatchedReadings: 0 });
    expect(aggregates).toHaveLength(1);
    const [window] = aggregates;
    // Sorted: t = 0, 10, 20, 30 s (x = 0, 1/6, 2/6, 3/6 min); temperature 1,2,3,4; power 4,3,2,1; door open, open, open, closed.
    expect(window).toMatchObject({
      containerId: 'AAAU0000000',
      windowStart: new Date(W),
      windowEnd: new Date(W + 60_000),
      readingCount: 4,
      temperatureC: { mean: 2.5, min: 1, max: 4 },
      humidityPct: { mean: 80, min: 70, max: 90 },
      coolingPowerKw: { mean: 2.5, min: 1, max: 4 },
      maxGForce: 3.5,
      doorOpenSeconds: 30, // 0→10, 10→20, 20→30; the closed reading at 30 adds nothing
      cargoClass: 'CHILLED',
      setpointC: 3,
    });
    expect(window?.temperatureC.stddev).toBeCloseTo(Math.sqrt(1.25), 14);
    expect(window?.humidityPct.stddev).toBeCloseTo(Math.sqrt(50), 14); // deviations −10, 0, 0, 10
    expect(window?.temperatureSlopeCPerMin).toBeCloseTo(6, 12); // +1 °C per 10 s
    expect(window?.coolingPowerSlopeKwPerMin).toBeCloseTo(-6, 12);
  });

  it('duplicates (same container and eventTime) count once, the first posted, whatever their values; a late one is listed late', () => {
    const first = reading('AAAU0000000', 10 * S, { temperatureC: 1, doorOpen: true, gForce: 1 });
    const items = [
      post(first),
      post(reading('AAAU0000000', 40 * S, { temperatureC: 3 })),
      post({ ...first }), // the same reading posted again
      post(reading('AAAU0000000', 10 * S, { temperatureC: 50, doorOpen: false, gForce: 7 })), // other values, same instant
      post(reading('BBBU0000000', 10 * S, { temperatureC: 9 })), // another container at the same instant: not a duplicate
      post(reading('AAAU0000000', 200 * S)), // closes [0, 60 s) of AAAU
      post({ ...first }), // a duplicate after its window closed: late, like any reading
    ];
    const { aggregates, late, unmatchedReadings } = expectedWindows(fleetOf(items, [reference('BBBU0000000', 3)]));
    const byContainer = aggregates.filter((a) => a.windowStart.getTime() === W).map((a) => [a.containerId, a.readingCount, a.temperatureC.mean, a.maxGForce, a.doorOpenSeconds]);
    expect(byContainer).toEqual([
      ['AAAU0000000', 2, 2, 1, 30], // 10 s (open) and 40 s: the first reading's door counts until 40 s
      ['BBBU0000000', 1, 9, 1, 0],
    ]);
    expect(late).toEqual([first]);
    expect(unmatchedReadings).toBe(6); // enrich passes duplicates on: every AAAU reading is unmatched
  });

  it('splits readings into epoch-aligned minutes; an open door at the end of a minute adds nothing to it', () => {
    const items = [
      post(reading('AAAU0000000', 50 * S, { doorOpen: true })),
      post(reading('AAAU0000000', 55 * S, { doorOpen: true })),
      post(reading('AAAU0000000', 60 * S, { doorOpen: true })),
      post(reading('AAAU0000000', 65 * S, { doorOpen: false })),
    ];
    const { aggregates } = expectedWindows(fleetOf(items, [reference('AAAU0000000', 3)]));
    expect(aggregates.map((a) => [a.windowStart.getTime() - W, a.readingCount, a.doorOpenSeconds])).toEqual([
      [0, 2, 5],
      [60_000, 2, 5],
    ]);
  });

  it('late readings are left out of their window and listed; out-of-order ones within grace are kept', () => {
    const items = [
      post(reading('AAAU0000000', 0, { temperatureC: 1 })),
      post(reading('AAAU0000000', 80 * S, { temperatureC: 5 })),
      post(reading('AAAU0000000', 30 * S, { temperatureC: 3 })), // window [0, 60 s) closes at 90 s: on time
      post(reading('AAAU0000000', 200 * S, { temperatureC: 7 })),
      post(reading('AAAU0000000', 10 * S, { temperatureC: 100 }), true), // 190 s behind its own container: late
    ];
    const { aggregates, late } = expectedWindows(fleetOf(items, [reference('AAAU0000000', 3)]));
    expect(late.map((r) => r.temperatureC)).toEqual([100]);
    const first = aggregates.find((a) => a.windowStart.getTime() === W);
    expect(first).toMatchObject({ readingCount: 2, temperatureC: { mean: 2, min: 1, max: 3 } });
    expect(aggregates.map((a) => a.windowStart.getTime() - W)).toEqual([0, 60_000, 180_000]);
  });

  it('grace decides: with a longer grace the same reading is on time', () => {
    const items = [post(reading('AAAU0000000', 0)), post(reading('AAAU0000000', 200 * S)), post(reading('AAAU0000000', 10 * S), true)];
    expect(expectedWindows(fleetOf(items), { graceMs: 30_000 }).late).toHaveLength(1);
    const longGrace = expectedWindows(fleetOf(items), { graceMs: 300_000 });
    expect(longGrace.late).toHaveLength(0);
    expect(longGrace.aggregates[0]?.readingCount).toBe(2);
  });

  it('throws when lateness would depend on partitioning (another container is past the close, its own is not)', () => {
    const items = [post(reading('AAAU0000000', 0)), post(reading('BBBU0000000', 200 * S)), post(reading('AAAU0000000', 10 * S))];
    expect(() => expectedWindows(fleetOf(items))).toThrow(OracleError);
  });

  it('unmatched containers get null cargoClass and setpointC; unmatched readings are counted, late ones too; malformed bodies counted', () => {
    const items: PostItem[] = [
      post(reading('ZZZU0000000', 0)),
      post(reading('AAAU0000000', 0)),
      { kind: 'malformed', body: { containerId: 'ZZZU0000000' }, problem: 'eventTime is missing' },
      post(reading('ZZZU0000000', 200 * S)),
      post(reading('AAAU0000000', 200 * S)),
      post(reading('ZZZU0000000', 5 * S), true),
    ];
    const result = expectedWindows(fleetOf(items, [reference('AAAU0000000', 3)]));
    expect(result.malformed).toBe(1);
    expect(result.unmatchedReadings).toBe(3);
    expect(result.late.map((r) => r.containerId)).toEqual(['ZZZU0000000']);
    // Sorted by window start, then container id.
    expect(result.aggregates.map((a) => [a.windowStart.getTime() - W, a.containerId, a.cargoClass, a.setpointC])).toEqual([
      [0, 'AAAU0000000', 'CHILLED', 3],
      [0, 'ZZZU0000000', null, null],
      [180_000, 'AAAU0000000', 'CHILLED', 3],
      [180_000, 'ZZZU0000000', null, null],
    ]);
  });
});
