import { afterEach, describe, expect, it } from 'vitest';
import { DLQ_HEADERS, LATE_HEADERS, type Headers } from '@tributary/streams';
import type { TopologyTestDriver } from '@tributary/testing';
import type { WindowAggregate } from '@tributary/schemas';
import { WINDOWS_STORE, buildTopology, type AggregateTopologyOptions, type WindowState } from '../src/index.js';
import { APP, MINUTE, T0, reading, serdes, startDriver } from './fixtures.js';

let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

function start(options: Partial<AggregateTopologyOptions> = {}) {
  const t = startDriver(options);
  driver = t.driver;
  return t;
}

const header = (headers: Headers, name: string): string | undefined => headers[name]?.toString();
const SQRT_1_25 = Math.sqrt(1.25);

describe('aggregate topology: one window, every statistic', () => {
  // Window [T0, T0+60s) of MSKU1, readings 15 s apart, arriving out of order (0 s, 45 s, 15 s, 30 s):
  //   x (min)   0     0.25  0.5   0.75
  //   temp     -18   -17   -16   -15    mean -16.5, pop. var (2.25+.25+.25+2.25)/4 = 1.25, slope exactly 4 °C/min
  //   humidity  80    80    90    90    mean 85, var 25 → stddev 5
  //   power     3     5     4     6     mean 4.5, var 1.25; slope (4·7.75 − 1.5·18)/(4·0.875 − 1.5²) = 4/1.25 = 3.2 kW/min
  //   door      open  shut  open  open  0→15 s open (15) + 30→45 s open (15); the last reading adds nothing = 30 s
  //   gForce    1.0   2.5   1.2   0.9   max 2.5
  //   cargo     FROZEN/-18 ×3, CHILLED/2 at 45 s: the greatest event time wins, though it arrived second
  const window0 = [
    reading('MSKU1', 0, { temperatureC: -18, humidityPct: 80, coolingPowerKw: 3, doorOpen: true, gForce: 1.0 }),
    reading('MSKU1', 45_000, { temperatureC: -15, humidityPct: 90, coolingPowerKw: 6, doorOpen: true, gForce: 0.9, cargoClass: 'CHILLED', setpointC: 2 }),
    reading('MSKU1', 15_000, { temperatureC: -17, humidityPct: 80, coolingPowerKw: 5, doorOpen: false, gForce: 2.5 }),
    reading('MSKU1', 30_000, { temperatureC: -16, humidityPct: 90, coolingPowerKw: 4, doorOpen: true, gForce: 1.2 }),
  ];

  it('emits mean/min/max/population stddev, least-squares slopes per minute, max g-force, door-open seconds and the latest cargo', async () => {
    const t = start();
    for (const r of window0) await t.send(r);
    await t.send(reading('MSKU1', 89_999)); // watermark T0+89.999 s < end + grace: still open
    expect(t.output.isEmpty()).toBe(true);
    await t.send(reading('MSKU1', 90_000)); // watermark reaches end + grace: closes

    const [record, ...more] = t.output.readRecordsToList();
    expect(more).toEqual([]);
    expect(record?.key).toBe('MSKU1');
    expect(record?.timestamp).toBe(T0 + MINUTE - 1);
    const a = record?.value as WindowAggregate;
    expect(a.containerId).toBe('MSKU1');
    expect(a.windowStart).toEqual(new Date(T0));
    expect(a.windowEnd).toEqual(new Date(T0 + MINUTE));
    expect(a.readingCount).toBe(4);
    expect(a.temperatureC.mean).toBeCloseTo(-16.5, 12);
    expect(a.temperatureC.min).toBe(-18);
    expect(a.temperatureC.max).toBe(-15);
    expect(a.temperatureC.stddev).toBeCloseTo(SQRT_1_25, 12);
    expect(a.humidityPct.mean).toBeCloseTo(85, 12);
    expect(a.humidityPct.min).toBe(80);
    expect(a.humidityPct.max).toBe(90);
    expect(a.humidityPct.stddev).toBeCloseTo(5, 12);
    expect(a.coolingPowerKw.mean).toBeCloseTo(4.5, 12);
    expect(a.coolingPowerKw.min).toBe(3);
    expect(a.coolingPowerKw.max).toBe(6);
    expect(a.coolingPowerKw.stddev).toBeCloseTo(SQRT_1_25, 12);
    expect(a.temperatureSlopeCPerMin).toBeCloseTo(4, 12);
    expect(a.coolingPowerSlopeKwPerMin).toBeCloseTo(3.2, 12);
    expect(a.maxGForce).toBe(2.5);
    expect(a.doorOpenSeconds).toBe(30);
    expect(a.cargoClass).toBe('CHILLED');
    expect(a.setpointC).toBe(2);
  });

  it('a single reading: stddev 0, slopes 0, no door-open time (the last reading adds nothing)', async () => {
    const t = start();
    await t.send(reading('C1', 20_000, { temperatureC: 4.25, doorOpen: true, gForce: 1.7, cargoClass: 'PHARMA', setpointC: 5 }));
    await t.send(reading('C2', 2 * MINUTE)); // another container's reading moves the partition's watermark
    expect(t.output.readValuesToList()).toEqual<WindowAggregate[]>([
      {
        containerId: 'C1',
        windowStart: new Date(T0),
        windowEnd: new Date(T0 + MINUTE),
        readingCount: 1,
        temperatureC: { mean: 4.25, min: 4.25, max: 4.25, stddev: 0 },
        humidityPct: { mean: 80, min: 80, max: 80, stddev: 0 },
        coolingPowerKw: { mean: 3, min: 3, max: 3, stddev: 0 },
        temperatureSlopeCPerMin: 0,
        coolingPowerSlopeKwPerMin: 0,
        maxGForce: 1.7,
        doorOpenSeconds: 0,
        cargoClass: 'PHARMA',
        setpointC: 5,
      },
    ]);
  });

  it('duplicates count once, the first processed wins: the same reading posted twice, and another reading at an event time already seen', async () => {
    const t = start();
    const first = reading('C1', 10_000, { temperatureC: 1, doorOpen: true });
    await t.send(first);
    await t.send(first); // a retried post: the same reading again
    await t.send(reading('C1', 10_000, { temperatureC: 6, doorOpen: false, gForce: 5 })); // other values, same event time
    await t.send(reading('C1', 25_000, { temperatureC: 3, doorOpen: false }));
    await t.send(reading('C1', 25_000, { temperatureC: 100, doorOpen: true, cargoClass: 'CHILLED', setpointC: 2 })); // at the greatest event time
    expect(t.driver.getWindowStore<string, WindowState>(WINDOWS_STORE).fetch('C1', { start: T0, end: T0 + MINUTE })?.n).toBe(2);
    await t.send(reading('C1', 2 * MINUTE));
    const a = t.output.readValue();
    expect(a.readingCount).toBe(2);
    expect(a.temperatureC).toEqual({ mean: 2, min: 1, max: 3, stddev: 1 });
    expect(a.temperatureSlopeCPerMin).toBeCloseTo(8, 12); // +2 °C in 15 s
    expect(a.maxGForce).toBe(1);
    expect(a.doorOpenSeconds).toBe(15); // the first reading at 10 s has the door open, until 25 s
    expect([a.cargoClass, a.setpointC]).toEqual(['FROZEN', -18]);
    expect(t.late.isEmpty()).toBe(true); // an ignored duplicate is not late: its window was open
    expect(t.dlq.isEmpty()).toBe(true);
  });

  it('which of two readings at one event time counts depends only on which arrived first', async () => {
    const t = start();
    // At 10 s: A gets "shut" then "open", B "open" then "shut". Then shut at 25 s and open at 40 s (the last adds nothing).
    await t.send(reading('A', 10_000, { doorOpen: false }));
    await t.send(reading('A', 10_000, { doorOpen: true }));
    await t.send(reading('B', 10_000, { doorOpen: true }));
    await t.send(reading('B', 10_000, { doorOpen: false }));
    for (const id of ['A', 'B']) {
      await t.send(reading(id, 25_000, { doorOpen: false }));
      await t.send(reading(id, 40_000, { doorOpen: true }));
    }
    await t.send(reading('A', 2 * MINUTE));
    const byKey = Object.fromEntries(t.output.readKeyValuesToList());
    expect([byKey.A?.readingCount, byKey.A?.doorOpenSeconds]).toEqual([3, 0]);
    expect([byKey.B?.readingCount, byKey.B?.doorOpenSeconds]).toEqual([3, 15]);
  });

  it('unmatched readings aggregate with null cargo class and setpoint (from the latest reading)', async () => {
    const t = start();
    await t.send(reading('C1', 1_000, { cargoClass: 'FROZEN', setpointC: -18 }));
    await t.send(reading('C1', 2_000, { matched: false, cargoClass: null, setpointC: null, toleranceC: null, deviationC: null }));
    await t.send(reading('C1', 2 * MINUTE));
    const a = t.output.readValue();
    expect([a.cargoClass, a.setpointC]).toEqual([null, null]);
  });
});

describe('aggregate topology: event time, grace and late readings', () => {
  it('includes out-of-order readings within grace, up to the window end exclusive; a reading at the end starts the next window', async () => {
    const t = start();
    await t.send(reading('C1', 10_000, { temperatureC: 1 }));
    await t.send(reading('C1', 70_000, { temperatureC: 100 })); // next window; W0 stays open until the watermark reaches 90 s
    await t.send(reading('C1', 55_000, { temperatureC: 2 })); // 15 s out of order: within grace
    await t.send(reading('C1', 59_999, { temperatureC: 3 })); // last ms of W0
    await t.send(reading('C1', 60_000, { temperatureC: 200 })); // exactly the end: W1
    expect(t.output.isEmpty()).toBe(true);
    await t.send(reading('C1', 150_000)); // closes W0 (≥ 90 s) and W1 (≥ 150 s)

    const windows = t.output.readValuesToList().map((a) => [a.windowStart.getTime() - T0, a.readingCount, a.temperatureC.min, a.temperatureC.max]);
    expect(windows).toEqual([
      [0, 3, 1, 3],
      [MINUTE, 2, 100, 200],
    ]);
  });

  it('sends a reading whose window has closed to coldchain-aggregate.late, untouched, and counts it nowhere', async () => {
    const lateReports: unknown[] = [];
    const t = startDriverWithLateHook(lateReports);
    await t.send(reading('C1', 10_000, { temperatureC: 1 }));
    await t.send(reading('C1', 90_000, { temperatureC: 2 })); // closes W0 (watermark = end + grace)
    const late = reading('C1', 59_999, { temperatureC: 999 });
    await t.input.pipeInput('C1', late, 5, { 'trace-id': 'xyz' });
    await t.send(reading('C1', 3 * MINUTE)); // closes W1

    const aggregates = t.output.readValuesToList();
    expect(aggregates.map((a) => [a.windowStart.getTime() - T0, a.readingCount, a.temperatureC.max])).toEqual([
      [0, 1, 1], // emitted once, before the late reading, and never again
      [MINUTE, 1, 2],
    ]);
    const [record, ...more] = t.late.readRecordsToList();
    expect(more).toEqual([]);
    expect(record?.key).toBe('C1');
    expect(record?.value).toEqual(late);
    expect(record?.timestamp).toBe(5);
    const headers = record?.headers ?? {};
    expect(header(headers, 'trace-id')).toBe('xyz');
    expect(header(headers, LATE_HEADERS.store)).toBe(WINDOWS_STORE);
    expect(header(headers, LATE_HEADERS.windows)).toBe(`${T0}-${T0 + MINUTE}`);
    expect(header(headers, LATE_HEADERS.watermark)).toBe(String(T0 + 90_000));
    expect(lateReports).toEqual([['coldchain.readings.enriched', WINDOWS_STORE, false]]);
    expect(t.dlq.isEmpty()).toBe(true);
  });

  it('a duplicate arriving after its window closed is late like any reading: to the late topic, counted nowhere (the closed window is gone, so nothing is left to compare it with)', async () => {
    const t = start();
    const r = reading('C1', 10_000, { temperatureC: 1 });
    await t.send(r);
    await t.send(reading('C1', 90_000, { temperatureC: 2 })); // closes W0
    await t.send(r); // the retried post, after the close
    await t.send(reading('C1', 3 * MINUTE)); // closes W1
    expect(t.output.readValuesToList().map((a) => [a.windowStart.getTime() - T0, a.readingCount])).toEqual([
      [0, 1],
      [MINUTE, 1],
    ]);
    expect(t.late.readValuesToList()).toEqual([r]);
  });

  it('a reading 3 minutes late is late however the grace is set below that', async () => {
    const t = start({ graceMs: 0 });
    await t.send(reading('C1', 5 * MINUTE));
    await t.send(reading('C1', 2 * MINUTE - 1)); // window [1m, 2m) closed at 2m with grace 0
    expect(t.late.readValuesToList().map((r) => r.eventTime.getTime() - T0)).toEqual([2 * MINUTE - 1]);
    expect(t.output.isEmpty()).toBe(true); // only windows with readings are emitted; 5m is still open
  });

  it('emits exactly one final record per window and container; containers are independent', async () => {
    const t = start();
    // A: 1 °C at 0 s and 3 °C at 30 s (slope 4 °C/min); B: 10 °C at 10 s alone. C closes both.
    await t.send(reading('A', 0, { temperatureC: 1 }));
    await t.send(reading('B', 10_000, { temperatureC: 10, doorOpen: true }));
    await t.send(reading('A', 30_000, { temperatureC: 3, doorOpen: true }));
    await t.send(reading('A', 70_000, { temperatureC: 50 }));
    await t.send(reading('C', 90_000));
    const first = Object.fromEntries(t.output.readKeyValuesToList());
    expect(Object.keys(first).sort()).toEqual(['A', 'B']);
    expect([first.A?.readingCount, first.A?.temperatureC.mean, first.A?.temperatureSlopeCPerMin, first.A?.doorOpenSeconds]).toEqual([2, 2, 4, 0]);
    expect([first.B?.readingCount, first.B?.temperatureC.mean, first.B?.temperatureSlopeCPerMin, first.B?.doorOpenSeconds]).toEqual([1, 10, 0, 0]);

    await t.send(reading('C', 10 * MINUTE));
    const second = t.output.readKeyValuesToList().map(([k, a]) => [k, a.windowStart.getTime() - T0, a.readingCount]);
    expect(second).toEqual([
      ['A', MINUTE, 1],
      ['C', MINUTE, 1],
    ]);
    // Emitted windows leave the store: only C's window at 10 min is open.
    expect(t.driver.getWindowStore<string, WindowState>(WINDOWS_STORE).all().map((e) => [e.key, e.start - T0])).toEqual([['C', 10 * MINUTE]]);
  });

  it('WINDOW_MS and GRACE_MS are options: 10 s windows, no grace, slopes still per minute', async () => {
    const t = start({ windowMs: 10_000, graceMs: 0 });
    await t.send(reading('C1', 0, { temperatureC: 0 }));
    await t.send(reading('C1', 6_000, { temperatureC: 1 })); // +1 °C in 0.1 min = 10 °C/min
    await t.send(reading('C1', 10_000));
    const [a, ...more] = t.output.readValuesToList();
    expect(more).toEqual([]);
    expect([a?.windowStart.getTime(), a?.windowEnd.getTime(), a?.readingCount]).toEqual([T0, T0 + 10_000, 2]);
    expect(a?.temperatureSlopeCPerMin).toBeCloseTo(10, 12);
  });
});

describe('aggregate topology: bad input', () => {
  it('dead-letters a reading whose key is not its containerId (or is missing), and does not aggregate it', async () => {
    const t = start();
    await t.input.pipeInput('C2', reading('C1', 1_000, { temperatureC: 500 }));
    await t.input.pipeInput(null, reading('C1', 2_000, { temperatureC: 500 }));
    await t.send(reading('C1', 3_000, { temperatureC: 1 }));
    await t.send(reading('C1', 2 * MINUTE));

    const dead = t.dlq.readRecordsToList();
    expect(dead.map((r) => [r.key?.toString() ?? null, header(r.headers, DLQ_HEADERS.errorClass), header(r.headers, DLQ_HEADERS.errorCode)])).toEqual([
      ['C2', 'KeyMismatchError', 'KEY_MISMATCH'],
      [null, 'KeyMismatchError', 'KEY_MISMATCH'],
    ]);
    expect(header(dead[0]?.headers ?? {}, DLQ_HEADERS.errorMessage)).toBe(
      'record key "C2" differs from the reading\'s containerId "C1": readings must be keyed by containerId',
    );
    expect(t.output.readValuesToList().map((a) => [a.containerId, a.readingCount, a.temperatureC.max])).toEqual([['C1', 1, 1]]);
  });

  it('dead-letters tombstones and undecodable records without moving event time', async () => {
    const t = start();
    await t.input.pipeInput('C1', null);
    await t.input.pipeRaw(Buffer.from('C1'), Buffer.from('not avro'));
    await t.send(reading('C1', 1_000));
    expect(t.dlq.readRecordsToList().map((r) => header(r.headers, DLQ_HEADERS.errorCode))).toEqual(['MISSING_VALUE', 'DESERIALIZATION']);
    expect(t.driver.getWindowStore(WINDOWS_STORE).observedTime()).toBe(T0 + 1_000);
  });
});

describe('aggregate topology: shape', () => {
  it('one window store `windows-1m`, no repartition topic (the input is keyed by containerId)', () => {
    const topology = buildTopology({ serdes });
    expect([...topology.stores.keys()]).toEqual([WINDOWS_STORE]);
    expect(topology.stores.get(WINDOWS_STORE)?.kind).toBe('window');
    expect(topology.repartitionTopics).toEqual([]);
    expect(topology.describe(APP)).toContain(`${APP}-${WINDOWS_STORE}-changelog`);
  });
});

/** A driver whose late-record hook reports (topic, store, dropped), as the service's metrics see them. */
function startDriverWithLateHook(reports: unknown[]) {
  const t = startDriver({}, { lateRecord: (topic: string, store: string, dropped: boolean) => reports.push([topic, store, dropped]) });
  driver = t.driver;
  return t;
}
