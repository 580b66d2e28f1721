/**
 * The fraud bench's load: simulated payments posted to ingest at a set rate
 * (not at the simulated pace), as NDJSON batches on a schedule — batch i is
 * due when i batches' worth of payments would have been sent at the rate —
 * with a few requests in flight, as the cold-chain bench's LoadFeeder does
 * for readings. A batch that cannot go out on time is sent as soon as it can
 * and its delay kept: that is how the bench sees ingest fall behind.
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

export async function feedPhase(client: IngestClient, stages: FraudStages, phaseIndex: number, phase: PaymentPhase, options: { batchSize: number; maxInFlight: number }): Promise<PaymentPhaseFeed> {
  const started = Date.now();
  const inFlight = new Set<Promise<void>>();
  let offered = 0;
  let accepted = 0;
  let lastAccepted = started;
  let maxBehindMs = 0;
  let failure: Error | undefined;
  for (let i = 0; i < phase.payments.length; i += options.batchSize) {
    const batch = phase.payments.slice(i, i + options.batchSize);
    const due = started + (offered / phase.paymentsPerSecond) * 1000;
    offered += batch.length;
    if (due > Date.now()) await sleep(due - Date.now());
    while (inFlight.size >= options.maxInFlight) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
    const sentAt = Date.now();
    maxBehindMs = Math.max(maxBehindMs, sentAt - due);
    const ids = batch.map((p) => p.payment.paymentId);
    stages.sent(ids, phaseIndex, sentAt);
    const post = client.postNdjson(batch.map((p) => paymentToJson(p.payment))).then(
      () => {
        lastAccepted = Date.now();
        accepted += batch.length;
        stages.accepted(ids, lastAccepted);
      },
      (error: unknown) => {
        failure ??= error instanceof Error ? error : new Error(String(error));
      },
    );
    const tracked: Promise<void> = post.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  return { offered, accepted, seconds: (lastAccepted - started) / 1000, maxBehindMs };
}
