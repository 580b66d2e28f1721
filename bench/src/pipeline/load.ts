/**
 * The load: simulator readings posted to ingest at a set rate, as NDJSON
 * batches on a schedule (batch i is due when i batches' worth of readings
 * would have been sent at the rate), with a few requests in flight the way
 * several gateways would post. A batch that cannot be sent on time (ingest
 * slow, every slot busy) is sent as soon as it can, and the delay is kept:
 * that is how the bench sees ingest falling behind the offered rate.
 */
import { toJson, type SimulatedFleet } from '../../../e2e/src/simulator/index.js';
import type { IngestClient } from '../../../e2e/src/pipeline/ingest-client.js';
import type { Timeline } from './timeline.js';

export interface LoadPhase {
  readonly name: string;
  readonly readingsPerSecond: number;
  readonly seconds: number;
  /** The phase's readings: its fleet's posts() (malformed bodies are skipped). */
  readonly fleet: SimulatedFleet;
}

export interface PhaseFeed {
  /** Readings the phase was to post, and those ingest acknowledged. */
  readonly offered: number;
  readonly accepted: number;
  /** From the first send to the last acknowledgement. */
  readonly seconds: number;
  /** Largest delay of a batch's send behind its schedule. */
  readonly maxBehindMs: number;
  /** False when the phase ran out of time (its length + 10 %) before every batch was sent. */
  readonly completed: boolean;
}

export interface LoadOptions {
  readonly batchSize: number;
  readonly maxInFlight: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class LoadFeeder {
  constructor(
    private readonly client: IngestClient,
    private readonly timeline: Timeline,
    private readonly options: LoadOptions,
  ) {}

  async run(phase: LoadPhase): Promise<PhaseFeed> {
    const started = Date.now();
    const deadline = started + phase.seconds * 1100;
    const items = phase.fleet.posts()[Symbol.iterator]();
    const inFlight = new Set<Promise<void>>();
    let offered = 0;
    let accepted = 0;
    let lastAccepted = started;
    let maxBehindMs = 0;
    let completed = true;
    let failure: Error | undefined;
    for (;;) {
      const batch: { containerId: string; eventTime: number; json: unknown }[] = [];
      while (batch.length < this.options.batchSize) {
        const next = items.next();
        if (next.done === true) break;
        if (next.value.kind !== 'reading') continue;
        const { reading } = next.value;
        batch.push({ containerId: reading.containerId, eventTime: reading.eventTime.getTime(), json: toJson(reading) });
      }
      if (batch.length === 0) break;
      const due = started + (offered / phase.readingsPerSecond) * 1000;
      offered += batch.length;
      if (due > Date.now()) await sleep(due - Date.now());
      while (inFlight.size >= this.options.maxInFlight) await Promise.race(inFlight);
      if (failure !== undefined) throw failure;
      if (Date.now() > deadline) {
        completed = false;
        break;
      }
      const sentAt = Date.now();
      maxBehindMs = Math.max(maxBehindMs, sentAt - due);
      const post = this.client.postNdjson(batch.map((r) => r.json)).then(
        () => {
          lastAccepted = Date.now();
          accepted += batch.length;
          this.timeline.accepted(batch, sentAt, lastAccepted);
        },
        (error: unknown) => {
          failure ??= error instanceof Error ? error : new Error(String(error));
        },
      );
      const tracked: Promise<void> = post.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
    // A fleet posts one reading per container per simulated second: what an unfinished phase did not send need not be generated to be counted.
    if (!completed) offered = phase.readingsPerSecond * phase.seconds;
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    return { offered, accepted, seconds: (lastAccepted - started) / 1000, maxBehindMs, completed };
  }
}
