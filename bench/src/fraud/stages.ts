/**
 * Per-payment stage times of the fraud bench: when the payment's POST was
 * sent and answered 2xx, when its enriched record, its features and its
 * decision became visible (read_committed, as a watcher in this process saw
 * them), and when its decision row was committed in PostgreSQL — the first
 * poll of the sink's `sink_offsets` that found the partition's next offset
 * past the decision record (the sink moves it in the transaction that writes
 * the rows, so that poll is the first moment the row could be read).
 *
 * Only the first sighting of a payment counts (a retried POST may put it on
 * a topic twice).
 */
import { spread, type Spread } from '../pipeline/stats.js';

interface PaymentStages {
  readonly phase: number;
  sent: number;
  accepted?: number;
  enriched?: number;
  features?: number;
  decision?: number;
  /** The decision record's place on fraud.decisions. */
  partition?: number;
  offset?: bigint;
  row?: number;
}

/** The latency spreads of one phase, ms. */
export interface FraudLatencies {
  readonly sentToAccepted: Spread;
  readonly acceptedToEnriched: Spread;
  readonly enrichedToFeatures: Spread;
  readonly featuresToDecision: Spread;
  readonly decisionToRow: Spread;
  readonly acceptedToFeatures: Spread;
  readonly acceptedToDecision: Spread;
  /** The headline: ingest's 2xx → decision row committed in PostgreSQL. */
  readonly acceptedToRow: Spread;
  /** Payments of the phase acknowledged by ingest, and those with a committed row. */
  readonly accepted: number;
  readonly decided: number;
}

export class FraudStages {
  readonly #payments = new Map<string, PaymentStages>();
  /** Per partition of fraud.decisions: each change of the sink's next offset, with the time of the poll that saw it. */
  readonly #sinkProgress = new Map<number, { at: number; next: bigint }[]>();

  /** A batch of payments posted (registered before the answer: its records can be seen downstream before the 2xx arrives here). */
  sent(paymentIds: readonly string[], phase: number, at: number): void {
    for (const id of paymentIds) if (!this.#payments.has(id)) this.#payments.set(id, { phase, sent: at });
  }

  /** A batch of payments answered 2xx. */
  accepted(paymentIds: readonly string[], at: number): void {
    for (const id of paymentIds) {
      const p = this.#payments.get(id);
      if (p !== undefined) p.accepted ??= at;
    }
  }

  onEnriched(paymentId: string, at: number): void {
    const p = this.#payments.get(paymentId);
    if (p !== undefined) p.enriched ??= at;
  }

  onFeatures(paymentId: string, at: number): void {
    const p = this.#payments.get(paymentId);
    if (p !== undefined) p.features ??= at;
  }

  onDecision(paymentId: string, partition: number, offset: bigint, at: number): void {
    const p = this.#payments.get(paymentId);
    if (p === undefined || p.decision !== undefined) return;
    p.decision = at;
    p.partition = partition;
    p.offset = offset;
  }

  /** One poll of sink_offsets: the next offset the sink will write, per partition. */
  onSinkOffsets(next: ReadonlyMap<number, bigint>, at: number): void {
    for (const [partition, offset] of next) {
      const progress = this.#sinkProgress.get(partition) ?? [];
      if (progress.length === 0 || (progress[progress.length - 1] as { next: bigint }).next !== offset) progress.push({ at, next: offset });
      this.#sinkProgress.set(partition, progress);
    }
  }

  /** Row times from the sink's progress: the first poll whose next offset passed the decision record. Call before reading latencies. */
  resolveRows(): void {
    for (const p of this.#payments.values()) {
      if (p.row !== undefined || p.partition === undefined || p.offset === undefined) continue;
      const progress = this.#sinkProgress.get(p.partition) ?? [];
      // Binary search: the first entry with next > offset (next only grows).
      let lo = 0;
      let hi = progress.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((progress[mid] as { next: bigint }).next > p.offset) hi = mid;
        else lo = mid + 1;
      }
      if (lo < progress.length) p.row = (progress[lo] as { at: number }).at;
    }
  }

  /** Payments of `phase` (or of every phase when undefined) acknowledged but without a decision record seen yet. */
  undecided(phase?: number): number {
    let n = 0;
    for (const p of this.#payments.values()) if ((phase === undefined || p.phase === phase) && p.decision === undefined) n++;
    return n;
  }

  /** Payments of `phase` whose decision record the sink has not committed yet (resolves rows first). */
  unwritten(phase?: number): number {
    this.resolveRows();
    let n = 0;
    for (const p of this.#payments.values()) if ((phase === undefined || p.phase === phase) && p.row === undefined) n++;
    return n;
  }

  /** Up to `max` payments without a committed row, each with the last stage it reached (for the log: where a payment stopped). */
  unwrittenSample(max: number): string[] {
    this.resolveRows();
    const out: string[] = [];
    for (const [id, p] of this.#payments) {
      if (p.row !== undefined) continue;
      const reached = p.decision !== undefined ? `decision at ${p.partition}:${p.offset}` : p.features !== undefined ? 'features' : p.enriched !== undefined ? 'enriched' : p.accepted !== undefined ? '2xx only' : 'sent, no answer';
      out.push(`${id} (phase ${p.phase}, reached: ${reached})`);
      if (out.length >= max) break;
    }
    return out;
  }

  latencies(phase: number): FraudLatencies {
    this.resolveRows();
    const samples = {
      sentToAccepted: [] as number[],
      acceptedToEnriched: [] as number[],
      enrichedToFeatures: [] as number[],
      featuresToDecision: [] as number[],
      decisionToRow: [] as number[],
      acceptedToFeatures: [] as number[],
      acceptedToDecision: [] as number[],
      acceptedToRow: [] as number[],
    };
    let accepted = 0;
    let decided = 0;
    const add = (list: number[], from: number | undefined, to: number | undefined) => {
      if (from !== undefined && to !== undefined) list.push(to - from);
    };
    for (const p of this.#payments.values()) {
      if (p.phase !== phase || p.accepted === undefined) continue;
      accepted++;
      if (p.row !== undefined) decided++;
      add(samples.sentToAccepted, p.sent, p.accepted);
      add(samples.acceptedToEnriched, p.accepted, p.enriched);
      add(samples.enrichedToFeatures, p.enriched, p.features);
      add(samples.featuresToDecision, p.features, p.decision);
      add(samples.decisionToRow, p.decision, p.row);
      add(samples.acceptedToFeatures, p.accepted, p.features);
      add(samples.acceptedToDecision, p.accepted, p.decision);
      add(samples.acceptedToRow, p.accepted, p.row);
    }
    return {
      sentToAccepted: spread(samples.sentToAccepted),
      acceptedToEnriched: spread(samples.acceptedToEnriched),
      enrichedToFeatures: spread(samples.enrichedToFeatures),
      featuresToDecision: spread(samples.featuresToDecision),
      decisionToRow: spread(samples.decisionToRow),
      acceptedToFeatures: spread(samples.acceptedToFeatures),
      acceptedToDecision: spread(samples.acceptedToDecision),
      acceptedToRow: spread(samples.acceptedToRow),
      accepted,
      decided,
    };
  }
}
