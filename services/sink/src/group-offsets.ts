/**
 * The sink's offsets, mirrored into its Kafka consumer group for the
 * outside world only: the lag exporter, `kafka-consumer-groups.sh` and any
 * broker-side monitoring read a group's committed offsets, and a sink that
 * committed none would look like it never read anything. `sink_offsets` in
 * PostgreSQL stays the only truth: on every assignment the sink seeks to the
 * offsets stored there and never reads these back, so a commit that is lost,
 * late or refused (rebalance, coordinator moving) changes nothing but what
 * monitoring sees until the next batch.
 */
import type { Offsets } from 'kafkajs';

/** Sends one offset commit to the group (kafkajs' `commitOffsetsIfNecessary(offsets)` of a batch payload). */
export type CommitOffsets = (offsets: Offsets) => Promise<void>;

interface Pending {
  readonly topic: string;
  readonly partition: number;
  readonly next: bigint;
}

/**
 * Best-effort, in the background: at most one commit in flight; offers made
 * meanwhile are merged (the latest offset of each partition wins) and sent
 * together next, so a slow coordinator never delays a batch and commits
 * never go backwards.
 */
export class GroupOffsetMirror {
  readonly #failed: (error: unknown) => void;
  readonly #pending = new Map<string, Pending>();
  #commit: CommitOffsets | undefined;
  #inFlight: Promise<void> | undefined;

  /** `failed` is told of each commit that did not go through (nothing is retried but the next offer). */
  constructor(failed: (error: unknown) => void) {
    this.#failed = failed;
  }

  /** The partition's rows up to `next` are committed in the database: let the group know too. */
  offer(topic: string, partition: number, next: bigint, commit: CommitOffsets): void {
    this.#pending.set(`${topic}\u0000${partition}`, { topic, partition, next });
    // The newest payload's function: after a consumer restart an older one belongs to a group member that is gone.
    this.#commit = commit;
    this.#inFlight ??= this.#drain();
  }

  /** A partition that moved to another member: its owner commits it now. */
  forget(topic: string, partition: number): void {
    this.#pending.delete(`${topic}\u0000${partition}`);
  }

  /** Resolves once everything offered so far was sent (or failed). */
  async flush(): Promise<void> {
    while (this.#inFlight !== undefined) await this.#inFlight;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.size > 0 && this.#commit !== undefined) {
        const batch = [...this.#pending.values()];
        this.#pending.clear();
        const byTopic = new Map<string, { partition: number; offset: string }[]>();
        for (const p of batch) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), { partition: p.partition, offset: p.next.toString() }]);
        try {
          await this.#commit({ topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
        } catch (error) {
          this.#failed(error);
        }
      }
    } finally {
      this.#inFlight = undefined;
    }
  }
}
