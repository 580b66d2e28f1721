/**
 * The fraud bench's load: simulated payments posted to ingest at a set rate
 * (not at the simulated pace), as NDJSON batches on a schedule, the way
 * several gateways would post: `lanes` of their own, each card always on the
 * same lane (by a hash of its id), each lane posting its batches one after
 * the other (the next once the previous was answered).
 *
 * Lanes keep every card's payments in event-time order on fraud.payments.
 * Posting concurrent batches of one ordered stream would not: two simulated
 * days compressed into a minute put ~40 simulated minutes into each
 * wall-clock second, so a batch overtaking the one before moves a card's
 * payment further behind its newest than the aggregate's LOOKBACK_GRACE_MS
 * (5 min), and the aggregate dead-letters it (the likely cause of the one
 * payment of 25,000 left undecided in a first version of this bench, whose
 * concurrent posts fell a second behind on a loaded machine).
 *
 * A lane's batch i is due when i batches' worth of its payments would have
 * been sent at its share of the rate (its share of the payments); one that cannot go out on time is sent
 * as soon as it can and its delay kept: that is how the bench sees ingest
 * fall behind.
 */
import { paymentToJson, type LabelledPayment } from '../../../e2e/src/fraud/index.js';
import type { IngestClient } from '../../../e2e/src/pipeline/ingest-client.js';
import type { FraudStages } from './stages.js';

export interface PaymentPhase {
  readonly name: string;
  readonly paymentsPerSecond: number;
  readonly seconds: number;
  readonly payments: readonly LabelledPayment[];
}

export interface PaymentPhaseFeed {
  readonly offered: number;
  readonly accepted: number;
  /** From the first send to the last acknowledgement. */
  readonly seconds: number;
  readonly maxBehindMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** FNV-1a of the card id: which lane posts its payments. */
function laneOf(cardId: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < cardId.length; i++) hash = Math.imul(hash ^ cardId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % lanes;
}

export async function feedPhase(client: IngestClient, stages: FraudStages, phaseIndex: number, phase: PaymentPhase, options: { batchSize: number; lanes: number }): Promise<PaymentPhaseFeed> {
  const lanes: LabelledPayment[][] = Array.from({ length: options.lanes }, () => []);
  for (const p of phase.payments) lanes[laneOf(p.payment.cardId, options.lanes)]?.push(p);
  const started = Date.now();
  let accepted = 0;
  let lastAccepted = started;
  let maxBehindMs = 0;
  await Promise.all(
    lanes.map(async (payments) => {
      // Each lane at its share of the rate (the hash splits the cards unevenly): together the rate, all ending together.
      const laneRate = (phase.paymentsPerSecond * payments.length) / phase.payments.length;
      for (let i = 0; i < payments.length; i += options.batchSize) {
        const batch = payments.slice(i, i + options.batchSize);
        const due = started + (i / laneRate) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
        const sentAt = Date.now();
        maxBehindMs = Math.max(maxBehindMs, sentAt - due);
        const ids = batch.map((p) => p.payment.paymentId);
        stages.sent(ids, phaseIndex, sentAt);
        await client.postNdjson(batch.map((p) => paymentToJson(p.payment)));
        lastAccepted = Date.now();
        accepted += batch.length;
        stages.accepted(ids, lastAccepted);
      }
    }),
  );
  return { offered: phase.payments.length, accepted, seconds: (lastAccepted - started) / 1000, maxBehindMs };
}
