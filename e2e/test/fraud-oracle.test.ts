import { describe, expect, it } from 'vitest';
import { columnsOf, longestRange, parseLookbackFeatures, step, type FieldValue, type LookbackState } from '@tributary/aggregate';
import type { Cardholder, Payment } from '@tributary/schemas';
import { EARTH_RADIUS_KM, expectedEnriched, expectedFeatures, haversineKm, simulatePayments } from '../src/fraud/index.js';
import { FRAUD_LOOKBACK_FEATURES } from '../src/pipeline/fraud-pipeline.js';

const T0 = Date.UTC(2025, 2, 3, 12, 0);
const MIN = 60_000;
/** One degree of latitude along a meridian, km: the haversine distance is exact there. */
const DEGREE_KM = (EARTH_RADIUS_KM * Math.PI) / 180;

let serial = 0;
function pay(cardId: string, minutes: number, amount: number, merchantId: string, position: [number, number] | null = null, extraMs = 0): Payment {
  return {
    paymentId: `p${++serial}`,
    cardId,
    merchantId,
    amount,
    currency: 'EUR',
    lat: position?.[0] ?? null,
    lon: position?.[1] ?? null,
    eventTime: new Date(T0 + minutes * MIN + extraMs),
    channel: position === null ? 'ONLINE' : 'POS',
  };
}

const holder = (cardId: string, creditLimit: number): Cardholder => ({
  cardId,
  homeLat: 50,
  homeLon: 8,
  creditLimit,
  riskSegment: 'LOW',
  currency: 'EUR',
  issuedAt: new Date(Date.UTC(2020, 0, 1)),
});

describe('haversineKm', () => {
  it('is R·Δφ along a meridian, R·Δλ·cos φ… on the equator, 0 for one point, symmetric', () => {
    expect(haversineKm(10, 5, 13, 5)).toBeCloseTo(3 * DEGREE_KM, 9);
    expect(haversineKm(0, 0, 0, 90)).toBeCloseTo((EARTH_RADIUS_KM * Math.PI) / 2, 9);
    expect(haversineKm(0, 0, 0, 180)).toBeCloseTo(EARTH_RADIUS_KM * Math.PI, 6);
    expect(haversineKm(52.52, 13.405, 52.52, 13.405)).toBe(0);
    // Berlin – Paris: 877–878 km in any atlas.
    expect(haversineKm(52.52, 13.405, 48.857, 2.352)).toBeGreaterThan(877);
    expect(haversineKm(52.52, 13.405, 48.857, 2.352)).toBeLessThan(878.5);
    expect(haversineKm(48.857, 2.352, 52.52, 13.405)).toBe(haversineKm(52.52, 13.405, 48.857, 2.352));
  });
});

describe('expectedEnriched', () => {
  it('joins the latest cardholder record per card; an unknown card is unmatched with nulls', () => {
    const a = pay('A', 0, 10, 'm1');
    const b = pay('B', 1, 20, 'm2');
    const [ea, eb] = expectedEnriched([a, b], [holder('A', 1000), holder('A', 2500)]);
    expect(ea).toEqual({ ...a, matched: true, homeLat: 50, homeLon: 8, creditLimit: 2500, riskSegment: 'LOW' });
    expect(eb).toEqual({ ...b, matched: false, homeLat: null, homeLon: null, creditLimit: null, riskSegment: null });
  });
});

describe('expectedFeatures (hand-checked)', () => {
  it('counts, sums and distinct merchants over inclusive ranges, the payment itself included', () => {
    const payments = [
      pay('A', 0, 10, 'm1', [10, 5]), //      0 min
      pay('A', 5, 2.5, 'm2'), //              5 min, online
      pay('A', 10, 4, 'm1', [11, 5]), //      10 min exactly: the first is still in its 10-minute range
      pay('A', 10, 1, 'm3', [11, 5], 1), //   10 min + 1 ms: the first is out of the 10-minute range
      pay('A', 24 * 60, 100, 'm4', [13, 5]), // 24 h exactly after the first: still in its 24-hour range
      pay('A', 24 * 60, 7, 'm4', null, 1), //   24 h + 1 ms: the first is out
    ];
    const f = expectedFeatures(payments, [holder('A', 3000)]);
    expect(f.map((x) => x.count10m)).toEqual([1, 2, 3, 3, 1, 2]);
    expect(f.map((x) => x.amountSum10m)).toEqual([10, 12.5, 16.5, 7.5, 100, 107]);
    expect(f.map((x) => x.count24h)).toEqual([1, 2, 3, 4, 5, 5]);
    expect(f.map((x) => x.amountSum24h)).toEqual([10, 12.5, 16.5, 17.5, 117.5, 114.5]);
    expect(f.map((x) => x.merchants24h)).toEqual([1, 2, 2, 3, 4, 4]);
    // Previous located payment: none; (online: null); 1° north; same place; 2° north; (online: null).
    expect(f[0]?.kmFromLast).toBeNull();
    expect(f[1]?.kmFromLast).toBeNull();
    expect(f[2]?.kmFromLast).toBeCloseTo(DEGREE_KM, 9);
    expect(f[3]?.kmFromLast).toBe(0);
    expect(f[4]?.kmFromLast).toBeCloseTo(2 * DEGREE_KM, 9);
    expect(f[5]?.kmFromLast).toBeNull();
    expect(f[4]).toMatchObject({ matched: true, creditLimit: 3000, amount: 100, paymentId: payments[4]?.paymentId });
  });

  it('keeps cards apart, and the previous located payment is found however old and past online ones', () => {
    const payments = [
      pay('A', 0, 1, 'm1', [10, 5]),
      pay('B', 1, 1, 'm1', [40, 5]),
      pay('A', 2, 1, 'm2'),
      pay('A', 3 * 24 * 60, 1, 'm3', [12, 5]), // three days later: 2° from A's last located payment, none of B's
    ];
    const f = expectedFeatures(payments, []);
    expect(f.map((x) => x.count10m)).toEqual([1, 1, 2, 1]);
    expect(f.map((x) => x.merchants24h)).toEqual([1, 1, 2, 1]);
    expect(f[1]?.kmFromLast).toBeNull();
    expect(f[3]?.kmFromLast).toBeCloseTo(2 * DEGREE_KM, 9);
    expect(f.every((x) => !x.matched && x.creditLimit === null)).toBe(true);
  });

  it('follows delivery order: a payment delivered later with an earlier event time counts for those after it, never for those before it', () => {
    const late = pay('A', 1, 8, 'm9', [14, 5]);
    const payments = [
      pay('A', 0, 1, 'm1', [10, 5]),
      pay('A', 5, 2, 'm2', [11, 5]),
      late, //                         delivered third, event time 1 min
      pay('A', 6, 4, 'm3', [12, 5]),
    ];
    const f = expectedFeatures(payments, []);
    expect(f.map((x) => x.count10m)).toEqual([1, 2, 2, 4]);
    expect(f.map((x) => x.amountSum10m)).toEqual([1, 3, 9, 15]);
    // The late one's previous located payment is the latest at or before its event time: the first (4°), not the second (3°).
    expect(f[2]?.kmFromLast).toBeCloseTo(4 * DEGREE_KM, 9);
    // The fourth's previous is the greatest event time ≤ 6 min: the second (5 min, 1°), not the late one (1 min).
    expect(f[3]?.kmFromLast).toBeCloseTo(DEGREE_KM, 9);
  });

  it('on equal event times the one delivered later is the previous; a payment delivered twice counts twice', () => {
    const first = pay('A', 0, 5, 'm1', [10, 5]);
    const payments = [first, pay('A', 3, 1, 'm2', [20, 5]), pay('A', 3, 1, 'm3', [21, 5]), pay('A', 4, 1, 'm4', [22, 5]), first];
    const f = expectedFeatures(payments, []);
    expect(f[2]?.kmFromLast).toBeCloseTo(DEGREE_KM, 9); // previous: the one at the same time delivered before it
    expect(f[3]?.kmFromLast).toBeCloseTo(DEGREE_KM, 9); // 21° → 22°: the later-delivered of the tie
    // The duplicate of the first (event time 0) sees only what is at or before 0: itself and the original.
    expect(f[4]).toMatchObject({ count10m: 2, amountSum10m: 10, count24h: 2, merchants24h: 1 });
    expect(f[4]?.kmFromLast).toBe(0);
  });
});

describe('expectedFeatures on a simulated population', () => {
  it("agrees with the aggregate operator's per-record step (its pure core, run here without Kafka) to 1e-9", () => {
    const sim = simulatePayments({ seed: 11, cards: 200, startTime: Date.UTC(2025, 2, 3), durationMs: 2 * 86_400_000, fraudShare: 0.2 });
    const payments = sim.payments.map((p) => p.payment);
    const oracle = expectedFeatures(payments, sim.cardholders);
    const features = parseLookbackFeatures(FRAUD_LOOKBACK_FEATURES);
    const cols = columnsOf(features);
    const longest = longestRange(features);
    const states = new Map<string, LookbackState>();
    let compared = 0;
    expectedEnriched(payments, sim.cardholders).forEach((record, i) => {
      const values = cols.map((c) => (record as unknown as Record<string, FieldValue>)[c] ?? null);
      const { features: got, state } = step(states.get(record.cardId), features, cols, record.eventTime.getTime(), values, longest, 300_000);
      states.set(record.cardId, state);
      const expected = oracle[i] as unknown as Record<string, number | null>;
      for (const f of features) {
        const [a, b] = [got[f.name] ?? null, expected[f.name] ?? null];
        if (a === null || b === null) expect(a, `${f.name} of payment ${i}`).toBe(b);
        else expect(Math.abs(a - b), `${f.name} of payment ${i}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b)));
        compared++;
      }
    });
    expect(compared).toBe(payments.length * 6);
    expect(oracle.some((f) => f.kmFromLast !== null && f.kmFromLast > 1000)).toBe(true);
    expect(oracle.some((f) => f.count10m >= 6)).toBe(true);
  });
});
