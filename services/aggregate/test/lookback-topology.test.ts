/**
 * AGGREGATE_MODE=lookback in the driver, with the fraud schemas: hand-computed cases
 * for the range bounds, out-of-order and future events, distance and
 * nulls; then seeded random payment streams (several cards, bursts,
 * out-of-order arrivals, equal event times, online payments without a
 * position, days of data so the 24 h ranges evict) against the naive
 * reference (lookback-reference.ts): every output equal, one per payment.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DLQ_HEADERS, type Headers } from '@tributary/streams';
import type { TopologyTestDriver } from '@tributary/testing';
import type { EnrichedPayment } from '@tributary/schemas';
import { LOOKBACK_STORE, buildLookbackTopology, parseLookbackFeatures, remap, step, type GenericRecord, type LookbackState } from '../src/index.js';
import {
  FRAUD_REFERENCE,
  HOUR,
  LB_APP,
  MIN,
  OTHER_FEATURES,
  OTHER_OUTPUT_SCHEMA,
  OTHER_REFERENCE,
  T0,
  lookbackOptions,
  payment,
  randomPayments,
  startLookback,
  type LookbackDriverOptions,
} from './lookback-fixtures.js';
import { expectFeaturesClose, greatCircleKm, referenceFeatures, type ReferenceFeature } from './lookback-reference.js';

let driver: TopologyTestDriver | undefined;
afterEach(() => driver?.close());

function start(options: LookbackDriverOptions = {}) {
  const t = startLookback(options);
  driver = t.driver;
  return t;
}

const header = (headers: Headers, name: string): string | undefined => headers[name]?.toString();

describe('lookback topology: hand-computed', () => {
  it('emits the payment with its features: ranges include the payment itself and payments exactly `range` before it; older ones are out', async () => {
    const t = start();
    await t.send(payment('C1', 0, { amount: 100, merchantId: 'A' }));
    await t.send(payment('C1', 5 * MIN, { amount: 20, merchantId: 'B' }));
    await t.send(payment('C1', 10 * MIN, { amount: 3, merchantId: 'A' })); // 0 is exactly 10 min before: in
    await t.send(payment('C1', 10 * MIN + 1, { amount: 0.5, merchantId: 'C' })); // 0 is 10 min + 1 ms before: out of 10m
    const out = t.output.readRecordsToList();
    expect(out.map((r) => [r.key, r.timestamp - T0])).toEqual([
      ['C1', 0],
      ['C1', 5 * MIN],
      ['C1', 10 * MIN],
      ['C1', 10 * MIN + 1],
    ]);
    const v = out.map((r) => r.value);
    expect(v.map((x) => [x['count10m'], x['amountSum10m'], x['count24h'], x['amountSum24h'], x['merchants24h']])).toEqual([
      [1, 100, 1, 100, 1],
      [2, 120, 2, 120, 2],
      [3, 123, 3, 123, 2],
      [3, 23.5, 4, 123.5, 3],
    ]);
    // The input's fields are copied as they are.
    expect(v[3]).toMatchObject({ paymentId: 'C1-600001', cardId: 'C1', amount: 0.5, merchantId: 'C', eventTime: new Date(T0 + 10 * MIN + 1), riskSegment: 'LOW' });
  });

  it('kmFromLast: null for the first payment; from the previous located payment by event time, also one that arrived later; null without a position', async () => {
    const t = start();
    const paris = { lat: 48.8566, lon: 2.3522 };
    const london = { lat: 51.5074, lon: -0.1278 };
    const berlin = { lat: 52.52, lon: 13.405 };
    await t.send(payment('C1', 10 * MIN, paris)); // first: null
    await t.send(payment('C1', 12 * MIN, { lat: null, lon: null, channel: 'ONLINE' })); // no position: null
    await t.send(payment('C1', 14 * MIN, london)); // previous located: Paris (the online one is skipped)
    await t.send(payment('C1', 11 * MIN, berlin)); // arrives late: previous by event time is Paris (10 min), not London (14 min, later)
    await t.send(payment('C1', 13 * MIN, paris)); // previous by event time: Berlin (11 min) — arrived after London
    const km = t.output.readValuesToList().map((v) => v['kmFromLast'] as number | null);
    expect(km[0]).toBeNull();
    expect(km[1]).toBeNull();
    expect(km[2]).toBeCloseTo(greatCircleKm(paris.lat, paris.lon, london.lat, london.lon), 9);
    expect(km[2]).toBeGreaterThan(340); // Paris–London ≈ 344 km
    expect(km[2]).toBeLessThan(346);
    expect(km[3]).toBeCloseTo(greatCircleKm(paris.lat, paris.lon, berlin.lat, berlin.lon), 9);
    expect(km[4]).toBeCloseTo(greatCircleKm(berlin.lat, berlin.lon, paris.lat, paris.lon), 9);
  });

  it('one degree of latitude along a meridian is 2π·6371.0088/360 km', async () => {
    const t = start();
    await t.send(payment('C1', 0, { lat: 10, lon: 20 }));
    await t.send(payment('C1', 1, { lat: 11, lon: 20 }));
    expect(t.output.readValuesToList()[1]?.['kmFromLast']).toBeCloseTo((2 * Math.PI * 6371.0088) / 360, 9);
  });

  it('out of order: a payment counts the earlier-time payments already seen, never those with a later event time (RANGE … AND CURRENT ROW)', async () => {
    const t = start({ graceMs: 10 * MIN }); // the 7 min disorder below is within the grace
    await t.send(payment('C1', 8 * MIN, { amount: 8 }));
    await t.send(payment('C1', 9 * MIN, { amount: 9 }));
    await t.send(payment('C1', 2 * MIN, { amount: 2 })); // 6–7 min out of order: sees neither (both are later)
    await t.send(payment('C1', 8 * MIN + 30_000, { amount: 1 })); // sees 8 min and 2 min, not 9 min
    await t.send(payment('C1', 12 * MIN, { amount: 12 })); // 2 min is 10 min before: in; sees all
    const v = t.output.readValuesToList().map((x) => [x['count10m'], x['amountSum10m']]);
    expect(v).toEqual([
      [1, 8],
      [2, 17],
      [1, 2],
      [3, 11],
      [5, 32],
    ]);
  });

  it('payments at the same event time: each sees those that arrived before it (and itself), not those after', async () => {
    const t = start();
    for (const amount of [1, 2, 4]) await t.send(payment('C1', MIN, { amount }));
    expect(t.output.readValuesToList().map((x) => [x['count10m'], x['amountSum10m']])).toEqual([
      [1, 1],
      [2, 3],
      [3, 7],
    ]);
  });

  it('cards are independent', async () => {
    const t = start();
    await t.send(payment('A', 0, { amount: 1 }));
    await t.send(payment('B', 1, { amount: 2 }));
    await t.send(payment('A', 2, { amount: 4 }));
    expect(t.output.readKeyValuesToList().map(([k, x]) => [k, x['count10m'], x['amountSum10m']])).toEqual([
      ['A', 1, 1],
      ['B', 1, 2],
      ['A', 2, 5],
    ]);
  });

  it('min, max, avg, distinct of an enum, count(), distance within a duration: null when nothing qualifies', async () => {
    const t = start({ features: OTHER_FEATURES, outputSchema: OTHER_OUTPUT_SCHEMA });
    await t.send(payment('C1', 0, { amount: 5, creditLimit: null, riskSegment: 'LOW' }));
    await t.send(payment('C1', 6 * MIN, { amount: 3, creditLimit: null, riskSegment: null })); // Paris → Paris 6 min later: outside km5m
    await t.send(payment('C1', 7 * MIN, { amount: 10, creditLimit: 700, riskSegment: 'HIGH', lat: 48.8566, lon: 2.4522 }));
    const v = t.output.readValuesToList();
    expect(v.map((x) => [x['amountMin1h'], x['amountMax1h'], x['amountAvg30m'], x['limitMax2h'], x['holders1d'], x['n90s']])).toEqual([
      [5, 5, 5, null, 1, 1],
      [3, 5, 4, null, 1, 1],
      [3, 10, 6, 700, 2, 2],
    ]);
    expect(v[0]?.['km5m']).toBeNull();
    expect(v[1]?.['km5m']).toBeNull(); // the previous one is 6 min before: out of 5m
    expect(v[2]?.['km5m']).toBeCloseTo(greatCircleKm(48.8566, 2.3522, 48.8566, 2.4522), 9);
  });
});

describe('lookback topology: state, late and bad input', () => {
  it('evicts by event time: a card keeps the events within its longest range + grace of its latest event time', async () => {
    const t = start({ graceMs: 5 * MIN });
    for (let h = 0; h <= 30; h++) await t.send(payment('C1', h * HOUR, { amount: h }));
    const state = t.driver.getKeyValueStore<string, LookbackState>(LOOKBACK_STORE).get('C1');
    // Latest 30 h; kept: event times ≥ 30 h − 24 h − 5 min, i.e. 6 h … 30 h.
    expect(state?.events.map((e) => e[0] - T0)).toEqual(Array.from({ length: 25 }, (_, i) => (6 + i) * HOUR));
    expect(state?.maxT).toBe(T0 + 30 * HOUR);
    const last = t.output.readValuesToList().at(-1);
    expect([last?.['count24h'], last?.['amountSum24h']]).toEqual([25, Array.from({ length: 25 }, (_, i) => 6 + i).reduce((a, b) => a + b)]);
  });

  it('kmFromLast (:last) reaches a previous payment older than every range: it is kept as the anchor when evicted', async () => {
    const t = start();
    await t.send(payment('C1', 0, { lat: 10, lon: 20 }));
    await t.send(payment('C1', 3 * 24 * HOUR, { lat: null, lon: null })); // evicts the first
    await t.send(payment('C1', 3 * 24 * HOUR + 1, { lat: 11, lon: 20 }));
    const state = t.driver.getKeyValueStore<string, LookbackState>(LOOKBACK_STORE).get('C1');
    expect(state?.events).toHaveLength(2);
    expect(t.output.readValuesToList().map((v) => v['kmFromLast'])).toEqual([null, null, expect.closeTo((2 * Math.PI * 6371.0088) / 360, 9)]);
  });

  it('dead-letters a payment more than the grace behind its card\'s latest one (LATE_EVENT), and leaves it out of every later feature', async () => {
    const t = start({ graceMs: MIN });
    await t.send(payment('C1', 10 * MIN, { amount: 1 }));
    await t.send(payment('C1', 9 * MIN, { amount: 2 })); // exactly the grace behind: accepted
    await t.send(payment('C1', 9 * MIN - 1, { amount: 4 })); // late
    await t.send(payment('C1', 10 * MIN, { amount: 8 }));
    expect(t.output.readValuesToList().map((x) => [x['count10m'], x['amountSum10m']])).toEqual([
      [1, 1],
      [1, 2],
      [3, 11],
    ]);
    const [dead, ...more] = t.dlq.readRecordsToList();
    expect(more).toEqual([]);
    expect(header(dead?.headers ?? {}, DLQ_HEADERS.errorCode)).toBe('LATE_EVENT');
    expect(header(dead?.headers ?? {}, DLQ_HEADERS.errorClass)).toBe('LateEventError');
  });

  it('with LOOKBACK_KEY_FIELD, dead-letters a record keyed otherwise (KEY_MISMATCH); tombstones and undecodable records too', async () => {
    const t = start({ keyField: 'cardId' });
    await t.input.pipeInput('C2', payment('C1', 0) as unknown as GenericRecord);
    await t.input.pipeInput('C1', null);
    await t.input.pipeRaw(Buffer.from('C1'), Buffer.from('not avro'));
    await t.send(payment('C1', 1, { amount: 7 }));
    const dead = t.dlq.readRecordsToList();
    expect(dead.map((r) => header(r.headers, DLQ_HEADERS.errorCode))).toEqual(['KEY_MISMATCH', 'MISSING_VALUE', 'DESERIALIZATION']);
    expect(header(dead[0]?.headers ?? {}, DLQ_HEADERS.errorMessage)).toBe('record key "C2" differs from the record\'s cardId "C1": records must be keyed by cardId');
    expect(t.output.readValuesToList().map((x) => [x['count10m'], x['amountSum10m']])).toEqual([[1, 7]]);
  });

  it('a state written under other features is remapped by field name: the values it has are used, the others are null', () => {
    const before = parseLookbackFeatures('s=sum(amount):1h,m=distinct(merchantId):1h');
    let state: LookbackState | undefined;
    state = step(state, before, ['amount', 'merchantId'], T0, [5, 'A'], HOUR, 0).state;
    state = step(state, before, ['amount', 'merchantId'], T0 + 1, [7, 'B'], HOUR, 0).state;
    expect(remap(state, ['merchantId', 'creditLimit', 'amount']).events.map((e) => e.slice(2))).toEqual([
      ['A', null, 5],
      ['B', null, 7],
    ]);
    const after = parseLookbackFeatures('m=distinct(merchantId):1h,x=max(creditLimit):1h,s=sum(amount):1h');
    const next = step(JSON.parse(JSON.stringify(state)) as LookbackState, after, ['merchantId', 'creditLimit', 'amount'], T0 + 2, ['A', 900, 1], HOUR, 0);
    expect(next.features).toEqual({ m: 2, x: 900, s: 13 });
    expect(next.state.cols).toEqual(['merchantId', 'creditLimit', 'amount']);
  });

  it('one key-value store `lookback` with a changelog, no repartition topic', () => {
    const topology = buildLookbackTopology(lookbackOptions());
    expect([...topology.stores.keys()]).toEqual([LOOKBACK_STORE]);
    expect(topology.stores.get(LOOKBACK_STORE)?.kind).toBe('key-value');
    expect(topology.repartitionTopics).toEqual([]);
    expect(topology.describe(LB_APP)).toContain(`${LB_APP}-${LOOKBACK_STORE}-changelog`);
  });
});

/** Pipes `arrivals` and checks every output against the reference, in order, one per non-late payment. */
async function expectReference(arrivals: readonly EnrichedPayment[], reference: readonly ReferenceFeature[], options: LookbackDriverOptions, graceMs: number) {
  const t = start({ ...options, graceMs });
  for (const p of arrivals) await t.send(p);
  const expected = referenceFeatures(arrivals, reference, graceMs);
  const out = t.output.readRecordsToList();
  const kept = arrivals.filter((_, i) => expected[i] !== 'late');
  expect(out.map((r) => r.value['paymentId'])).toEqual(kept.map((p) => p.paymentId));
  let i = 0;
  for (const [index, e] of expected.entries()) {
    if (e === 'late') continue;
    const record = out[i++];
    expect(record?.key).toBe(arrivals[index]?.cardId);
    expect(record?.timestamp).toBe(arrivals[index]?.eventTime.getTime());
    expectFeaturesClose(record?.value ?? {}, e, reference, `arrival ${index} (${arrivals[index]?.paymentId})`);
  }
  expect(t.dlq.readRecordsToList()).toHaveLength(expected.filter((e) => e === 'late').length);
  const retained = [...t.driver.getKeyValueStore<string, LookbackState>(LOOKBACK_STORE).all()].reduce((n, [, s]) => n + s.events.length, 0);
  t.driver.close();
  return { late: expected.filter((e) => e === 'late').length, outputs: out.length, retained };
}

describe('lookback topology: random streams against the naive reference', () => {
  it('the fraud features: every output equals the reference (seeds 1–8, 400 payments, 4 cards, up to 4 min out of order)', async () => {
    for (let seed = 1; seed <= 8; seed++) {
      const { late, outputs, retained } = await expectReference(randomPayments(seed, 400), FRAUD_REFERENCE, {}, 5 * MIN);
      expect([late, outputs]).toEqual([0, 400]);
      expect(retained, 'days of data: the 24 h ranges evicted').toBeLessThan(outputs / 2);
    }
  });

  it('min, max, avg, distinct, count(), distance within a duration: equal to the reference (seeds 11–16)', async () => {
    for (let seed = 11; seed <= 16; seed++) {
      await expectReference(randomPayments(seed, 300), OTHER_REFERENCE, { features: OTHER_FEATURES, outputSchema: OTHER_OUTPUT_SCHEMA }, 5 * MIN);
    }
  });

  it('a grace shorter than the disorder: late payments dead-lettered exactly where the reference says, the rest equal (seeds 21–26)', async () => {
    let late = 0;
    for (let seed = 21; seed <= 26; seed++) late += (await expectReference(randomPayments(seed, 300, 3, 6 * MIN), FRAUD_REFERENCE, {}, MIN)).late;
    expect(late).toBeGreaterThan(10); // the case is exercised
  });
});
