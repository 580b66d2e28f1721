/**
 * Consumer-group lag from the broker's view: committed offsets against high
 * watermarks, for every watched group, whether or not anyone consumes. The
 * operators report their own lag only after each fetched batch, so a stopped
 * or stuck consumer goes silent there; here its lag keeps being exported and
 * keeps growing, and its member count drops to 0.
 */
import { AssignerProtocol, type Admin, type GroupDescription, type KafkaConfig } from 'kafkajs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Operator } from '@tributary/service';
import { errorMessage, kafkajs } from '@tributary/streams';

export type LagLog = (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface GroupLagPollerOptions {
  readonly kafka: KafkaConfig;
  /** Groups to watch; undefined or empty: every group the broker lists except internal ones (names starting with `_`). */
  readonly groups?: readonly string[];
  /** Pause between the end of one poll and the start of the next (default 10 s). */
  readonly pollIntervalMs?: number;
  /** Where the `tributary_group_*` metrics are registered; none: no metrics. */
  readonly registry?: Registry;
  readonly log?: LagLog;
}

/** One partition a group consumes (has committed offsets for, or has assigned to a member). */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset (the next record it will read); undefined when it committed none. */
  readonly committed: bigint | undefined;
  readonly low: bigint;
  readonly high: bigint;
  /** `high − committed`, or `high − low` when nothing is committed (all of it is still to be read); never negative. */
  readonly lag: bigint;
}

export interface GroupLag {
  readonly group: string;
  /** The coordinator's group state: Stable, PreparingRebalance, CompletingRebalance, Empty, Dead. */
  readonly state: string;
  readonly members: number;
  readonly partitions: readonly PartitionLag[];
}

const INTERNAL_GROUP = /^_/;

/**
 * Polls the broker for consumer-group offsets and exports them as
 * `tributary_group_lag{group,topic,partition}` and
 * `tributary_group_members{group}`. An `Operator` for `runService`: ready
 * after the first successful poll; polls never overlap; a failed poll is
 * logged and counted (`tributary_group_lag_poll_errors_total`), the previous
 * values stay, and the next interval tries again.
 */
export class GroupLagPoller implements Operator {
  readonly #options: GroupLagPollerOptions;
  readonly #admin: Admin;
  readonly #log: LagLog;
  readonly #metrics: LagMetrics | undefined;
  /** Polls run through this chain, one at a time (the loop and direct `poll()` calls alike). */
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #succeeded = false;
  #stopped = false;

  constructor(options: GroupLagPollerOptions) {
    this.#options = options;
    const { Kafka, logLevel } = kafkajs();
    // Few retries inside a poll: the next interval is the retry, and a stop waits for the poll in progress.
    this.#admin = new Kafka({ logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 300, maxRetryTime: 2_000 }, ...options.kafka }).admin();
    this.#log = options.log ?? (() => undefined);
    this.#metrics = options.registry === undefined ? undefined : lagMetrics(options.registry);
  }

  /** At least one poll succeeded. */
  get ready(): boolean {
    return this.#succeeded;
  }

  /** A broker outage is counted and retried, never fatal. */
  get healthy(): boolean {
    return true;
  }

  /** Starts polling now and every `pollIntervalMs` after each poll ends; returns at once (an unreachable broker is retried, not a failed start). */
  async start(): Promise<void> {
    this.#schedule(0);
  }

  /** Stops polling, waits for the poll in progress, disconnects. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#chain.catch(() => undefined);
    await this.#admin.disconnect().catch(() => undefined);
  }

  /**
   * One poll: reads every watched group's state, members, committed offsets
   * and the watermarks of their topics, then replaces the exported series at
   * once (so groups and partitions that disappeared lose theirs). Throws, and
   * counts the error, when the broker cannot answer.
   */
  poll(): Promise<GroupLag[]> {
    const next = this.#chain.then(() => this.#pollOnce());
    this.#chain = next.catch(() => undefined);
    return next;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.poll()
        .catch((error: unknown) => {
          if (!this.#stopped) this.#log('warn', `lag poll failed: ${errorMessage(error)}; retrying in ${this.#interval} ms`, { error: errorMessage(error) });
        })
        .finally(() => this.#schedule(this.#interval));
    }, delayMs);
  }

  get #interval(): number {
    return this.#options.pollIntervalMs ?? 10_000;
  }

  async #pollOnce(): Promise<GroupLag[]> {
    const started = performance.now();
    try {
      const groups = await this.#read();
      this.#metrics?.publish(groups);
      if (!this.#succeeded) this.#log('info', 'first lag poll done', { groups: groups.length });
      this.#succeeded = true;
      return groups;
    } catch (error) {
      this.#metrics?.errors.inc();
      throw error;
    } finally {
      this.#metrics?.seconds.observe((performance.now() - started) / 1000);
    }
  }

  async #read(): Promise<GroupLag[]> {
    const admin = this.#admin;
    await admin.connect();
    const configured = this.#options.groups ?? [];
    const groupIds =
      configured.length > 0
        ? [...new Set(configured)]
        : (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => !INTERNAL_GROUP.test(g));
    if (groupIds.length === 0) return [];
    const { groups: descriptions } = await admin.describeGroups(groupIds);
    const described = new Map(descriptions.map((d) => [d.groupId, d]));

    const committed = new Map<string, Map<string, Map<number, bigint>>>();
    const topics = new Set<string>();
    for (const group of groupIds) {
      const byTopic = new Map<string, Map<number, bigint>>();
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group })) {
        const offsets = new Map<number, bigint>();
        // -1: no offset committed for the partition.
        for (const p of partitions) if (BigInt(p.offset) >= 0n) offsets.set(p.partition, BigInt(p.offset));
        byTopic.set(topic, offsets);
      }
      // A member's assignment names topics the group reads before it commits anything.
      for (const topic of assignedTopics(described.get(group))) if (!byTopic.has(topic)) byTopic.set(topic, new Map());
      committed.set(group, byTopic);
      for (const topic of byTopic.keys()) topics.add(topic);
    }

    // Offsets committed for a deleted topic stay until they expire: skip such topics rather than fail every poll.
    const existing = topics.size === 0 ? new Set<string>() : new Set(await admin.listTopics());
    const watermarks = new Map<string, { partition: number; low: bigint; high: bigint }[]>();
    for (const topic of topics) {
      if (!existing.has(topic)) continue;
      const offsets = await admin.fetchTopicOffsets(topic);
      watermarks.set(topic, offsets.map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) })));
    }

    return groupIds.map((group) => {
      const description = described.get(group);
      const partitions: PartitionLag[] = [];
      for (const [topic, offsets] of committed.get(group) ?? []) {
        for (const { partition, low, high } of watermarks.get(topic) ?? []) {
          const at = offsets.get(partition);
          const lag = at === undefined ? high - low : high - at;
          partitions.push({ topic, partition, committed: at, low, high, lag: lag > 0n ? lag : 0n });
        }
      }
      partitions.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
      return { group, state: description?.state ?? 'Dead', members: description?.members.length ?? 0, partitions };
    });
  }
}

/** Topics assigned to the members of a consumer group (other protocols, e.g. Connect, carry no topic assignment). */
function assignedTopics(description: GroupDescription | undefined): string[] {
  if (description?.protocolType !== 'consumer') return [];
  const topics = new Set<string>();
  for (const member of description.members) {
    if (member.memberAssignment.length === 0) continue;
    try {
      const assignment = AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment ?? {};
      for (const [topic, partitions] of Object.entries(assignment)) if (partitions.length > 0) topics.add(topic);
    } catch {
      // An assignment this client cannot decode (another client's format): the committed offsets still count.
    }
  }
  return [...topics];
}

interface LagMetrics {
  readonly errors: Counter;
  readonly seconds: Histogram;
  publish(groups: readonly GroupLag[]): void;
}

function lagMetrics(registry: Registry): LagMetrics {
  const registers = [registry];
  const lag = new Gauge({
    name: 'tributary_group_lag',
    help: 'Records a consumer group has still to read, from the broker: high watermark minus committed offset (high minus low watermark when nothing is committed).',
    labelNames: ['group', 'topic', 'partition'],
    registers,
  });
  const members = new Gauge({ name: 'tributary_group_members', help: 'Members of the consumer group (0: nobody is consuming).', labelNames: ['group'], registers });
  const errors = new Counter({ name: 'tributary_group_lag_poll_errors_total', help: 'Lag polls that failed (the previous values stay exported).', registers });
  const seconds = new Histogram({
    name: 'tributary_group_lag_poll_seconds',
    help: 'Time of one lag poll (groups, offsets, watermarks).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  return {
    errors,
    seconds,
    // Synchronous, so a scrape sees the previous poll or this one, never a mix.
    publish(groups) {
      lag.reset();
      members.reset();
      for (const g of groups) {
        members.set({ group: g.group }, g.members);
        for (const p of g.partitions) lag.set({ group: g.group, topic: p.topic, partition: String(p.partition) }, Number(p.lag));
      }
    },
  };
}
