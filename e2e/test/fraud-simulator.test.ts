import { describe, expect, it } from 'vitest';
import { ConfigError } from '@tributary/streams';
import { CITIES, expectedFeatures, FRAUD_PATTERNS, IMPOSSIBLE_TRAVEL_MIN_KM, paymentToJson, simulatePayments, type LabelledPayment, type PaymentSimulationOptions } from '../src/fraud/index.js';

const DAY = 86_400_000;
const BASE: PaymentSimulationOptions = { seed: 7, cards: 600, startTime: Date.UTC(2025, 2, 3), durationMs: 3 * DAY, fraudShare: 0.1 };

const byCard = (payments: readonly LabelledPayment[]) => {
  const map = new Map<string, LabelledPayment[]>();
  for (const p of payments) map.set(p.payment.cardId, [...(map.get(p.payment.cardId) ?? []), p]);
  return map;
};

describe('simulatePayments', () => {
  const sim = simulatePayments(BASE);

  it('is deterministic per seed, and another seed gives other payments', () => {
    expect(simulatePayments(BASE)).toEqual(sim);
    const other = simulatePayments({ ...BASE, seed: 8 });
    expect(other.payments.map((p) => p.payment.paymentId)).not.toEqual(sim.payments.map((p) => p.payment.paymentId));
  });

  it('posts in eventTime order inside the run, with distinct times within a card and unique payment ids', () => {
    let last = -Infinity;
    for (const { payment } of sim.payments) {
      const t = payment.eventTime.getTime();
      expect(t).toBeGreaterThanOrEqual(last);
      expect(t).toBeGreaterThanOrEqual(BASE.startTime);
      expect(t).toBeLessThan(sim.endTime);
      last = t;
    }
    for (const payments of byCard(sim.payments).values()) {
      const times = payments.map((p) => p.payment.eventTime.getTime());
      expect(new Set(times).size).toBe(times.length);
    }
    expect(new Set(sim.payments.map((p) => p.payment.paymentId)).size).toBe(sim.payments.length);
    expect(sim.payments.length).toBeGreaterThan(600 * 3 * 1.5);
  });

  it('gives records ingest takes: every field of the schema, located or not, amounts in cents, the card currency', () => {
    const cards = new Map(sim.cards.map((c) => [c.cardId, c]));
    for (const { payment } of sim.payments) {
      const card = cards.get(payment.cardId);
      expect(card).toBeDefined();
      expect(payment.currency).toBe(card?.currency);
      expect(payment.amount).toBeGreaterThan(0);
      expect(Math.round(payment.amount * 100) / 100).toBe(payment.amount);
      expect(payment.lat === null).toBe(payment.lon === null);
      expect(payment.channel === 'ONLINE').toBe(payment.lat === null);
    }
    const json = paymentToJson(sim.payments[0]?.payment ?? expect.fail('no payment'));
    expect(Object.keys(json).sort()).toEqual(['amount', 'cardId', 'channel', 'currency', 'eventTime', 'lat', 'lon', 'merchantId', 'paymentId']);
    expect(Number.isInteger(json.eventTime)).toBe(true);
  });

  it('leaves a share of the cards without a cardholder record; the others have exactly one', () => {
    const unknown = sim.cards.filter((c) => !c.known);
    expect(unknown).toHaveLength(Math.round(600 * 0.02));
    expect(sim.cardholders).toHaveLength(600 - unknown.length);
    const holders = new Set(sim.cardholders.map((h) => h.cardId));
    for (const card of sim.cards) expect(holders.has(card.cardId)).toBe(card.known);
    const unknownIds = new Set(unknown.map((c) => c.cardId));
    expect(sim.payments.some((p) => unknownIds.has(p.payment.cardId))).toBe(true);
    for (const holder of sim.cardholders) {
      expect(holder.issuedAt.getTime()).toBeLessThan(BASE.startTime);
      expect(['LOW', 'MEDIUM', 'HIGH', 'UNKNOWN']).toContain(holder.riskSegment);
    }
  });

  it('legitimate behaviour: a daily rhythm by local time, log-normal amounts, most located payments near home', () => {
    const legit = sim.payments.filter((p) => !p.fraud);
    const cards = new Map(sim.cards.map((c) => [c.cardId, c]));
    const byLocalHour = new Array<number>(24).fill(0);
    for (const { payment } of legit) {
      const card = cards.get(payment.cardId);
      if (card === undefined || card.trip !== null) continue;
      const hour = (((payment.eventTime.getUTCHours() + Math.round(card.homeLon / 15)) % 24) + 24) % 24;
      byLocalHour[hour] = (byLocalHour[hour] as number) + 1;
    }
    const night = byLocalHour.slice(1, 5).reduce((a, b) => a + b, 0);
    const midday = byLocalHour.slice(11, 15).reduce((a, b) => a + b, 0);
    expect(night * 8).toBeLessThan(midday);

    const logs = legit.filter((p) => p.payment.channel !== 'ATM').map((p) => Math.log(p.payment.amount));
    const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / logs.length);
    expect(Math.exp(mean)).toBeGreaterThan(10);
    expect(Math.exp(mean)).toBeLessThan(60);
    expect(sd).toBeGreaterThan(0.6);
    const sorted = legit.map((p) => p.payment.amount).sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length * 0.99)] as number).toBeGreaterThan(5 * (sorted[Math.floor(sorted.length / 2)] as number));

    const features = expectedFeatures(sim.payments.map((p) => p.payment), sim.cardholders);
    const km = features.filter((f, i) => !(sim.payments[i] as LabelledPayment).fraud && f.kmFromLast !== null).map((f) => f.kmFromLast as number);
    expect(km.filter((d) => d < 50).length / km.length).toBeGreaterThan(0.95);
  });

  it('labels the three fraud patterns, one episode per fraud card, each with its signature', () => {
    const fraudCards = sim.cards.filter((c) => c.fraud !== null);
    expect(fraudCards).toHaveLength(60);
    for (const pattern of FRAUD_PATTERNS) expect(fraudCards.some((c) => c.fraud?.pattern === pattern)).toBe(true);
    const cards = byCard(sim.payments);
    const features = expectedFeatures(sim.payments.map((p) => p.payment), sim.cardholders);
    const featuresById = new Map(features.map((f) => [f.paymentId, f]));
    for (const card of sim.cards) {
      const payments = cards.get(card.cardId) ?? [];
      const fraud = payments.filter((p) => p.fraud);
      if (card.fraud === null) {
        expect(fraud).toHaveLength(0);
        continue;
      }
      expect(fraud.every((p) => p.pattern === card.fraud?.pattern)).toBe(true);
      if (fraud.length === 0) continue; // the episode started too close to the end of the run
      const f = fraud.map((p) => featuresById.get(p.payment.paymentId) ?? expect.fail('no features'));
      switch (card.fraud.pattern) {
        case 'card-testing': {
          const tests = fraud.filter((p) => p.payment.amount <= 10);
          expect(tests.length).toBeGreaterThanOrEqual(6);
          expect(new Set(tests.map((p) => p.payment.merchantId)).size).toBe(tests.length);
          expect(Math.max(...f.map((x) => x.count10m))).toBeGreaterThanOrEqual(5);
          break;
        }
        case 'impossible-travel': {
          const first = f[0] as (typeof f)[number];
          expect(first.kmFromLast as number).toBeGreaterThan(IMPOSSIBLE_TRAVEL_MIN_KM - 100);
          const before = payments.filter((p) => p.payment.lat !== null && p.payment.eventTime < first.eventTime);
          const previous = before[before.length - 1] ?? expect.fail('no previous located payment');
          expect(first.eventTime.getTime() - previous.payment.eventTime.getTime()).toBeLessThanOrEqual(60 * 60_000);
          break;
        }
        case 'big-spend': {
          const total = fraud.reduce((n, p) => n + p.payment.amount, 0);
          expect(total).toBeGreaterThanOrEqual(0.7 * card.creditLimit - 0.05);
          expect(total).toBeLessThanOrEqual(0.98 * card.creditLimit + 0.05);
          expect(fraud[fraud.length - 1]!.payment.eventTime.getTime() - fraud[0]!.payment.eventTime.getTime()).toBeLessThanOrEqual(30 * 60_000);
          break;
        }
      }
    }
  });

  it('legitimate trips: the destination is another city, reached no faster than a plane', () => {
    const travellers = sim.cards.filter((c) => c.trip !== null);
    expect(travellers).toHaveLength(Math.round(600 * 0.03));
    for (const card of travellers) expect(card.trip?.city).not.toBe(card.homeCity);
    expect(CITIES.length).toBeGreaterThan(5);
  });

  it('changing fraudShare leaves the other cards’ payments alone; a shift changes only the amounts', () => {
    const none = simulatePayments({ ...BASE, fraudShare: 0 });
    const fraudIds = new Set(sim.cards.filter((c) => c.fraud !== null).map((c) => c.cardId));
    const keep = (p: LabelledPayment) => !fraudIds.has(p.payment.cardId);
    expect(none.payments.filter(keep)).toEqual(sim.payments.filter(keep));
    expect(none.cardholders).toEqual(sim.cardholders);

    const shifted = simulatePayments({ ...BASE, shift: { amountFactor: 3 } });
    expect(shifted.payments).toHaveLength(sim.payments.length);
    shifted.payments.forEach((p, i) => {
      const original = sim.payments[i] as LabelledPayment;
      expect({ ...p.payment, amount: 0 }).toEqual({ ...original.payment, amount: 0 });
      expect(p.payment.amount).toBeCloseTo(original.payment.amount * 3, 2);
      expect(p.fraud).toBe(original.fraud);
    });
  });

  it('refuses invalid options with a ConfigError naming the option', () => {
    expect(() => simulatePayments({ ...BASE, cards: 0 })).toThrow(ConfigError);
    expect(() => simulatePayments({ ...BASE, cards: 0 })).toThrow(/cards = 0; expected an integer ≥ 1/);
    expect(() => simulatePayments({ ...BASE, fraudShare: 1.5 })).toThrow(/fraudShare = 1.5/);
    expect(() => simulatePayments({ ...BASE, durationMs: 10 })).toThrow(/durationMs/);
    expect(() => simulatePayments({ ...BASE, shift: { amountFactor: 0 } })).toThrow(/shift.amountFactor = 0/);
  });
});
