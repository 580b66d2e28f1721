/**
 * A seeded, reproducible population of payment cards and what they pay: the
 * cardholder records for `fraud.cardholders`, and every payment (the records
 * ingest takes for `fraud.payments`) with its label kept beside it.
 *
 * Legitimate behaviour: each holder lives in a city, pays mostly at a set of
 * favourite merchants near home (and a few web shops), more at lunch and in
 * the early evening of local time than at night, amounts log-normal by the
 * merchant's category. A few holders take a trip (a flight to another city,
 * payments there, a flight back): large distances, but hours apart.
 *
 * Fraud (one episode on a share of the cards, see FraudPattern): card
 * testing, impossible travel, big spend near the credit limit.
 *
 * Each concern draws from its own generator derived from the seed (card
 * setup, legitimate payments, trip, fraud, payment ids; and one for which
 * cards are unknown, travel or fraud), so a card's legitimate payments are
 * the same whatever fraudShare is, and a shift changes only the amounts.
 */
import type { Cardholder, Payment, PaymentChannel, RiskSegment } from '@tributary/schemas';
import { ConfigError } from '@tributary/streams';
import { mixSeed, Random } from '../simulator/random.js';
import { haversineKm } from './geo.js';
import type { FraudPattern, LabelledPayment, PaymentSimulationOptions, SimulatedCard, SimulatedPayments } from './types.js';
import { CATEGORIES, CITIES, CITY_MERCHANTS, HOURLY_ACTIVITY, scatter, TESTING_WEB_MERCHANTS, WEB_MERCHANTS, type City, type Merchant } from './world.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// Purposes of the derived seeds (see the module doc).
const SETUP = 1;
const LEGIT = 2;
const TRIP = 3;
const FRAUD = 4;
const IDS = 5;
const CHOICE = 6;

/** Credit limits (in the card's currency) and how common each is. */
const CREDIT_LIMITS: readonly (readonly [limit: number, weight: number])[] = [
  [500, 8], [1000, 16], [1500, 12], [2000, 16], [3000, 16], [5000, 14], [7500, 8], [10000, 6], [15000, 4],
];
const RISK_SEGMENTS: readonly (readonly [RiskSegment, number])[] = [['LOW', 55], ['MEDIUM', 30], ['HIGH', 12], ['UNKNOWN', 3]];
/** Notes a cash machine pays out, and how often each is asked for. */
const ATM_AMOUNTS: readonly (readonly [number, number])[] = [[20, 15], [50, 30], [100, 30], [150, 8], [200, 12], [300, 5]];
/** Impossible travel: the fraudster's city is at least this far from the card's previous located payment. */
export const IMPOSSIBLE_TRAVEL_MIN_KM = 1500;
/** Legitimate payments never exceed this share of the credit limit (one purchase). */
const LEGIT_LIMIT_SHARE = 0.6;
const HOURLY_TOTAL = HOURLY_ACTIVITY.reduce((a, b) => a + b, 0);

type Resolved = SimulatedPayments['options'];

function withDefaults(options: PaymentSimulationOptions): Resolved {
  const resolved: Resolved = {
    fraudShare: 0.05,
    unknownCardShare: 0.02,
    travelShare: 0.03,
    ...options,
    shift: { amountFactor: options.shift?.amountFactor ?? 1 },
  };
  const fail = (name: string, value: unknown, expected: string): never => {
    throw new ConfigError(`simulatePayments: ${name} = ${JSON.stringify(value)}; expected ${expected}`);
  };
  if (!Number.isSafeInteger(resolved.seed)) fail('seed', resolved.seed, 'an integer');
  if (!Number.isInteger(resolved.cards) || resolved.cards < 1) fail('cards', resolved.cards, 'an integer ≥ 1');
  if (!Number.isSafeInteger(resolved.startTime) || resolved.startTime < 0) fail('startTime', resolved.startTime, 'epoch ms (an integer ≥ 0)');
  if (!Number.isSafeInteger(resolved.durationMs) || resolved.durationMs < MINUTE) fail('durationMs', resolved.durationMs, 'an integer ≥ 60000');
  for (const name of ['fraudShare', 'unknownCardShare', 'travelShare'] as const) {
    const share = resolved[name];
    if (!(share >= 0 && share <= 1)) fail(name, share, 'a share between 0 and 1');
  }
  if (!(resolved.shift.amountFactor > 0 && Number.isFinite(resolved.shift.amountFactor))) fail('shift.amountFactor', resolved.shift.amountFactor, 'a finite number > 0');
  return resolved;
}

function weighted<T>(random: Random, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((n, [, w]) => n + w, 0);
  let u = random.next() * total;
  for (const [item, w] of items) {
    u -= w;
    if (u < 0) return item;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
}

/** Poisson(λ) by Knuth's product of uniforms (λ here is at most a few per hour). */
function poisson(random: Random, lambda: number): number {
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random.next();
  while (p > limit) {
    k++;
    p *= random.next();
  }
  return k;
}

/** k distinct indices out of n by a seeded partial Fisher–Yates shuffle, in the order drawn. */
function drawIndices(random: Random, n: number, k: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = random.int(i, n - 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order.slice(0, k);
}

/** 8 hex digits of the generator's next 32 bits (an authorisation-id-like token). */
const hex32 = (random: Random): string => Math.floor(random.next() * 0x1_0000_0000).toString(16).padStart(8, '0');

const cents = (amount: number): number => Math.max(0.01, Math.round(amount * 100) / 100);

/** A payment before its id and final time are fixed. */
interface Draft {
  t: number;
  /** paymentId, set once the draft's generator is done (legitimate and fraud drafts take ids from separate generators). */
  id?: string;
  merchant: Merchant;
  amount: number;
  channel: PaymentChannel;
  pattern: FraudPattern | null;
}

interface CardPlan {
  readonly card: SimulatedCard;
  readonly city: number;
  readonly favourites: readonly Merchant[];
  readonly riskSegment: RiskSegment;
  readonly issuedAt: number;
}

function amountAt(random: Random, merchant: Merchant, scale = 1): number {
  if (merchant.category === 'atm') return weighted(random, ATM_AMOUNTS);
  const profile = CATEGORIES[merchant.category];
  return cents(profile.median * scale * Math.exp(profile.sigma * random.normal()));
}

function channelOf(random: Random, merchant: Merchant, amount: number): PaymentChannel {
  if (merchant.lat === null) return 'ONLINE';
  if (merchant.category === 'atm') return 'ATM';
  return amount <= 50 && random.chance(0.75) ? 'CONTACTLESS' : 'POS';
}

function draft(random: Random, t: number, merchant: Merchant, amount: number, pattern: FraudPattern | null): Draft {
  return { t, merchant, amount, channel: channelOf(random, merchant, amount), pattern };
}

function planCard(seed: number, index: number, known: boolean, travels: boolean, fraud: boolean, options: Resolved): CardPlan {
  const random = new Random(mixSeed(seed, SETUP, index));
  const city = weighted(random, CITIES.map((c, i) => [i, c.weight] as const));
  const home = CITIES[city] as City;
  const position = scatter(random, home.lat, home.lon, 4);
  const creditLimit = weighted(random, CREDIT_LIMITS);
  const riskSegment = weighted(random, RISK_SEGMENTS);
  const paymentsPerDay = Number(Math.min(15, Math.max(0.5, 3 * Math.exp(0.5 * random.normal()))).toFixed(3));
  const pool = CITY_MERCHANTS[city] as readonly Merchant[];
  const favourites = [
    ...drawIndices(random, pool.length, random.int(8, 25)).map((i) => pool[i] as Merchant),
    ...drawIndices(random, WEB_MERCHANTS.length, random.int(2, 6)).map((i) => WEB_MERCHANTS[i] as Merchant),
  ];
  const issuedAt = options.startTime - random.int(30, 3650) * DAY;
  const cardId = `tok-${mixSeed(seed, index, 0xca7d).toString(16).padStart(8, '0')}-${index.toString(36)}`;

  let trip: SimulatedCard['trip'] = null;
  if (travels) {
    const tripRandom = new Random(mixSeed(seed, TRIP, index));
    const destination = (city + tripRandom.int(1, CITIES.length - 1)) % CITIES.length;
    const departs = options.startTime + Math.floor(tripRandom.uniform(0, 0.7) * options.durationMs);
    trip = { city: (CITIES[destination] as City).name, departs, returns: departs + Math.round(tripRandom.uniform(0.5, 4) * DAY) };
  }
  let episode: SimulatedCard['fraud'] = null;
  if (fraud) {
    const fraudRandom = new Random(mixSeed(seed, FRAUD, index));
    const pattern = weighted<FraudPattern>(fraudRandom, [['card-testing', 4], ['impossible-travel', 3], ['big-spend', 3]]);
    episode = { pattern, at: options.startTime + Math.floor(fraudRandom.uniform(0.1, 0.9) * options.durationMs) };
  }
  return {
    card: { cardId, known, homeCity: home.name, homeLat: position.lat, homeLon: position.lon, creditLimit, currency: home.currency, paymentsPerDay, fraud: episode, trip },
    city,
    favourites,
    riskSegment,
    issuedAt,
  };
}

/** The holder's own payments: an inhomogeneous Poisson process by local hour, at home or (during a trip) at the destination. */
function legitPayments(seed: number, index: number, plan: CardPlan, options: Resolved, endTime: number): Draft[] {
  const random = new Random(mixSeed(seed, LEGIT, index));
  const { card } = plan;
  const home = CITIES[plan.city] as City;
  const trip = card.trip;
  const destinationIndex = trip === null ? -1 : CITIES.findIndex((c) => c.name === trip.city);
  const destination = destinationIndex < 0 ? undefined : (CITIES[destinationIndex] as City);
  // A flight: 2 h at the airports plus 750 km/h; nothing is paid in between.
  const flightMs = destination === undefined ? 0 : Math.round((2 + haversineKm(home.lat, home.lon, destination.lat, destination.lon) / 750) * HOUR);
  const drafts: Draft[] = [];
  const limit = card.creditLimit * LEGIT_LIMIT_SHARE;
  for (let hour = Math.floor(options.startTime / HOUR) * HOUR; hour < endTime; hour += HOUR) {
    const abroad = trip !== null && destination !== undefined && hour >= trip.departs + flightMs && hour < trip.returns;
    const where = abroad ? destination : home;
    const localHour = ((Math.floor(hour / HOUR) + Math.round(where.lon / 15)) % 24 + 24) % 24;
    const count = poisson(random, (card.paymentsPerDay * (HOURLY_ACTIVITY[localHour] as number)) / HOURLY_TOTAL);
    for (let k = 0; k < count; k++) {
      const t = hour + Math.floor(random.next() * HOUR);
      let merchant: Merchant;
      if (abroad) {
        const pool = CITY_MERCHANTS[destinationIndex] as readonly Merchant[];
        merchant = random.chance(0.85) ? random.pick(pool) : random.pick(WEB_MERCHANTS);
      } else {
        merchant = random.chance(0.85) ? random.pick(plan.favourites) : random.pick(CITY_MERCHANTS[plan.city] as readonly Merchant[]);
      }
      const amount = Math.min(amountAt(random, merchant), cents(limit));
      const inFlight = trip !== null && ((t >= trip.departs && t < trip.departs + flightMs) || (t >= trip.returns && t < trip.returns + flightMs));
      if (t < options.startTime || t >= endTime || inFlight) continue;
      drafts.push(draft(random, t, merchant, amount, null));
    }
  }
  return drafts;
}

function cardTesting(random: Random, at: number, card: SimulatedCard): Draft[] {
  const drafts: Draft[] = [];
  let t = at;
  for (const i of drawIndices(random, TESTING_WEB_MERCHANTS.length, random.int(6, 18))) {
    const u = random.next();
    const amount = u < 0.3 ? 1 : u < 0.8 ? cents(random.uniform(0.5, 3)) : cents(random.uniform(3, 10));
    drafts.push(draft(random, t, TESTING_WEB_MERCHANTS[i] as Merchant, amount, 'card-testing'));
    t += 1000 + Math.round(-Math.log(1 - random.next()) * 25_000);
  }
  if (random.chance(0.6)) {
    // The card works: cash it out at a web shop selling resellable goods.
    const shops = WEB_MERCHANTS.filter((m) => m.category !== 'online');
    let cashOut = t + Math.round(random.uniform(5, 40) * MINUTE);
    for (let k = random.int(1, 2); k > 0; k--) {
      drafts.push(draft(random, cashOut, random.pick(shops), Math.min(cents(400 * Math.exp(0.5 * random.normal())), cents(card.creditLimit * 0.9)), 'card-testing'));
      cashOut += Math.round(random.uniform(1, 10) * MINUTE);
    }
  }
  return drafts;
}

function impossibleTravel(random: Random, at: number, plan: CardPlan, legit: Draft[]): Draft[] {
  // The previous located payment the clone follows: the holder's latest before `at` in the last 12 h, or one the holder makes at `at`.
  let previous: Draft | undefined;
  for (const d of legit) if (d.merchant.lat !== null && d.t <= at && d.t > at - 12 * HOUR && (previous === undefined || d.t > previous.t)) previous = d;
  if (previous === undefined) {
    const merchant = random.pick(plan.favourites.filter((m) => m.lat !== null));
    previous = draft(random, at, merchant, amountAt(random, merchant), null);
    legit.push(previous);
  }
  const from = previous.merchant;
  const far = CITIES.map((c, i) => ({ c, i })).filter(({ c }) => haversineKm(from.lat as number, from.lon as number, c.lat, c.lon) >= IMPOSSIBLE_TRAVEL_MIN_KM);
  const city = random.pick(far).i;
  const pool = (CITY_MERCHANTS[city] as readonly Merchant[]).filter((m) => ['electronics', 'luxury', 'retail', 'atm'].includes(m.category));
  const drafts: Draft[] = [];
  let t = previous.t + Math.round(random.uniform(5, 60) * MINUTE);
  for (let k = random.int(1, 4); k > 0; k--) {
    const merchant = random.pick(pool);
    drafts.push(draft(random, t, merchant, Math.min(amountAt(random, merchant, 1.5), cents(plan.card.creditLimit * 0.5)), 'impossible-travel'));
    t += Math.round(random.uniform(3, 40) * MINUTE);
  }
  return drafts;
}

function bigSpend(random: Random, at: number, plan: CardPlan): Draft[] {
  const count = random.int(1, 3);
  const total = plan.card.creditLimit * random.uniform(0.7, 0.98);
  const parts = Array.from({ length: count }, () => random.uniform(0.5, 1.5));
  const sum = parts.reduce((a, b) => a + b, 0);
  const online = WEB_MERCHANTS.filter((m) => m.category !== 'online');
  const local = (CITY_MERCHANTS[plan.city] as readonly Merchant[]).filter((m) => m.category === 'electronics' || m.category === 'luxury');
  const drafts: Draft[] = [];
  let t = at;
  for (const part of parts) {
    const merchant = random.chance(0.7) || local.length === 0 ? random.pick(online) : random.pick(local);
    drafts.push(draft(random, t, merchant, cents((total * part) / sum), 'big-spend'));
    t += Math.round(random.uniform(1, 12) * MINUTE);
  }
  return drafts;
}

/**
 * Simulates `cards` cards over [startTime, startTime + durationMs): their
 * cardholder records and every payment, labelled, in posting order. See
 * e2e/src/fraud/README.md for the behaviour and the guarantees.
 */
export function simulatePayments(input: PaymentSimulationOptions): SimulatedPayments {
  const options = withDefaults(input);
  const { seed, cards } = options;
  const endTime = options.startTime + options.durationMs;
  const choice = new Random(mixSeed(seed, CHOICE));
  // One shuffle decides all three memberships, so with a larger share the same cards stay chosen.
  const unknown = new Set(drawIndices(choice, cards, Math.round(cards * options.unknownCardShare)));
  const travel = new Set(drawIndices(new Random(mixSeed(seed, CHOICE, TRIP)), cards, Math.round(cards * options.travelShare)));
  const fraud = new Set(drawIndices(new Random(mixSeed(seed, CHOICE, FRAUD)), cards, Math.round(cards * options.fraudShare)));
  const factor = options.shift.amountFactor;

  const simulated: SimulatedCard[] = [];
  const cardholders: Cardholder[] = [];
  const all: { payment: LabelledPayment; card: number }[] = [];
  for (let index = 0; index < cards; index++) {
    const plan = planCard(seed, index, !unknown.has(index), travel.has(index), fraud.has(index), options);
    const { card } = plan;
    simulated.push(card);
    if (card.known) {
      cardholders.push({ cardId: card.cardId, homeLat: card.homeLat, homeLon: card.homeLon, creditLimit: card.creditLimit, riskSegment: plan.riskSegment, currency: card.currency, issuedAt: new Date(plan.issuedAt) });
    }
    const drafts = legitPayments(seed, index, plan, options, endTime);
    // Card index and sequence make ids unique (two 32-bit draws alone repeated about once in 70,000 payments: mulberry32 has 32 bits of state).
    const legitIds = new Random(mixSeed(seed, IDS, index));
    const prefix = `pay-${index.toString(36)}-`;
    drafts.forEach((d, n) => (d.id = `${prefix}${n.toString(36)}-${hex32(legitIds)}`));
    if (card.fraud !== null) {
      const random = new Random(mixSeed(seed, FRAUD, index, 1));
      const { pattern, at } = card.fraud;
      drafts.push(...(pattern === 'card-testing' ? cardTesting(random, at, card) : pattern === 'impossible-travel' ? impossibleTravel(random, at, plan, drafts) : bigSpend(random, at, plan)));
      const fraudIds = new Random(mixSeed(seed, IDS, index, 1));
      let n = 0;
      for (const d of drafts) d.id ??= `${prefix}f${(n++).toString(36)}-${hex32(fraudIds)}`;
    }
    // Distinct event times within the card (a later one moves 1 ms on), all inside the run.
    drafts.sort((a, b) => a.t - b.t);
    let last = -Infinity;
    for (const d of drafts) {
      if (d.t <= last) d.t = last + 1;
      last = d.t;
    }
    for (const d of drafts) {
      if (d.t < options.startTime || d.t >= endTime) continue;
      const payment: Payment = {
        paymentId: d.id as string,
        cardId: card.cardId,
        merchantId: d.merchant.merchantId,
        amount: factor === 1 ? d.amount : cents(d.amount * factor),
        currency: card.currency,
        lat: d.merchant.lat,
        lon: d.merchant.lon,
        eventTime: new Date(d.t),
        channel: d.channel,
      };
      all.push({ payment: { payment, fraud: d.pattern !== null, pattern: d.pattern }, card: index });
    }
  }
  all.sort((a, b) => a.payment.payment.eventTime.getTime() - b.payment.payment.eventTime.getTime() || a.card - b.card);
  return { options, cardholders, cards: simulated, payments: all.map((p) => p.payment), endTime };
}
