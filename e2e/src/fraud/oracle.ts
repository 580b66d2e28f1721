/**
 * The fraud pipeline's expected outputs, computed directly from the
 * payments as delivered and the cardholder records, without any code from
 * services/: what enrich (join mode) must write to fraud.payments.enriched
 * and what aggregate (look-back mode) must write to fraud.payment-features.
 *
 * Deliberately naive: each payment's features scan every earlier payment
 * of its card. The definitions are the PaymentFeatures schema docs:
 * - ranges in event time, inclusive at both ends, the payment itself
 *   included: a payment at t takes the card's payments at tᵢ with
 *   t − range ≤ tᵢ ≤ t among those delivered before it (never one delivered
 *   later, whatever its event time);
 * - merchants24h: distinct merchantIds in the 24 h range;
 * - kmFromLast: haversine km from the card's previous located payment (the
 *   delivered-before one with a position and the greatest (eventTime,
 *   delivery) at or before t, however old); null for the card's first
 *   located payment and for a payment without a position.
 */
import type { Cardholder, EnrichedPayment, Payment, PaymentFeatures } from '@tributary/schemas';
import { haversineKm } from './geo.js';

const TEN_MINUTES = 10 * 60_000;
const DAY = 24 * 3_600_000;

/**
 * The enriched payments (join with the cardholders, latest record per card
 * wins, as the compacted topic's global table holds it): every payment in
 * the order given, `matched` false and the holder's fields null for a card
 * without a record. Assumes every cardholder record is in the table before
 * the payments are joined (publish them first).
 */
export function expectedEnriched(payments: Iterable<Payment>, cardholders: readonly Cardholder[]): EnrichedPayment[] {
  const table = new Map<string, Cardholder>();
  for (const holder of cardholders) table.set(holder.cardId, holder);
  const out: EnrichedPayment[] = [];
  for (const payment of payments) {
    const holder = table.get(payment.cardId);
    out.push({
      ...payment,
      matched: holder !== undefined,
      homeLat: holder?.homeLat ?? null,
      homeLon: holder?.homeLon ?? null,
      creditLimit: holder?.creditLimit ?? null,
      riskSegment: holder?.riskSegment ?? null,
    });
  }
  return out;
}

/**
 * The payment features, one per payment, in the order given. Pass the
 * payments in the order the pipeline delivers them per card (the order of
 * fraud.payments within its partition; the simulator's posting order when
 * every post reached the topic exactly once): only the order within a card
 * matters. A payment delivered twice counts twice, as it does in the
 * aggregate, which does not recognise duplicates.
 *
 * Sums are accumulated in the order of delivery; compare with a relative
 * tolerance (1e-9), not exactly: the aggregate may add in another order.
 */
export function expectedFeatures(payments: Iterable<Payment>, cardholders: readonly Cardholder[]): PaymentFeatures[] {
  const seen = new Map<string, EnrichedPayment[]>();
  const out: PaymentFeatures[] = [];
  for (const enriched of expectedEnriched(payments, cardholders)) {
    const t = enriched.eventTime.getTime();
    let history = seen.get(enriched.cardId);
    if (history === undefined) seen.set(enriched.cardId, (history = []));
    history.push(enriched);

    let count10m = 0;
    let amountSum10m = 0;
    let count24h = 0;
    let amountSum24h = 0;
    const merchants = new Set<string>();
    // The previous located payment: greatest eventTime ≤ t, the later-delivered one on a tie (the current payment itself excluded).
    let previous: EnrichedPayment | undefined;
    history.forEach((earlier, i) => {
      const ti = earlier.eventTime.getTime();
      if (ti > t) return;
      if (ti >= t - TEN_MINUTES) {
        count10m++;
        amountSum10m += earlier.amount;
      }
      if (ti >= t - DAY) {
        count24h++;
        amountSum24h += earlier.amount;
        merchants.add(earlier.merchantId);
      }
      const located = earlier.lat !== null && earlier.lon !== null;
      if (located && i < history.length - 1 && (previous === undefined || ti >= previous.eventTime.getTime())) previous = earlier;
    });
    const kmFromLast =
      enriched.lat === null || enriched.lon === null || previous === undefined
        ? null
        : haversineKm(previous.lat as number, previous.lon as number, enriched.lat, enriched.lon);
    out.push({ ...enriched, count10m, amountSum10m, count24h, amountSum24h, merchants24h: merchants.size, kmFromLast });
  }
  return out;
}
