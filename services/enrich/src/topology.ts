import { StreamsBuilder, string, type Serde, type Topology } from '@tributary/streams';
import type { ContainerReference, EnrichedReading, SensorReading } from '@tributary/schemas';
import { enrichReading } from './enriched-reading.js';
import { MissingReadingError, UnmatchedReadingError } from './errors.js';

/** Name of the global store holding the reference topic (queryable at `/stores/containers/:containerId`). */
export const CONTAINERS_STORE = 'containers';

/** What to do with a reading whose container has no reference record. */
export type UnmatchedPolicy =
  /** Write it with `matched: false` and null reference fields. */
  | 'pass'
  /** Send it to `<applicationId>.dlq` (error code `UNMATCHED_REFERENCE`) instead of the output. */
  | 'dlq';

export interface EnrichTopics {
  /** SensorReading records, keyed by containerId. */
  readonly input: string;
  /** ContainerReference records, keyed by containerId, compacted; a null value deletes the container. */
  readonly reference: string;
  /** EnrichedReading records, keyed by containerId. */
  readonly output: string;
}

export const DEFAULT_ENRICH_TOPICS: EnrichTopics = {
  input: 'coldchain.readings',
  reference: 'coldchain.containers',
  output: 'coldchain.readings.enriched',
};

/** Value serdes of the three topics (keys are always UTF-8 strings). Avro over the registry in production. */
export interface EnrichSerdes {
  readonly reading: Serde<SensorReading>;
  readonly reference: Serde<ContainerReference>;
  readonly enriched: Serde<EnrichedReading>;
}

export interface EnrichTopologyOptions {
  readonly serdes: EnrichSerdes;
  readonly topics?: Partial<EnrichTopics>;
  /** Default `pass`. `dlq` needs the app's `errorPolicy: 'dlq'` (the default): under `fail` an unmatched reading stops the app. */
  readonly unmatched?: UnmatchedPolicy;
  /**
   * Called for each joined reading (for metrics). Not rolled back with an
   * aborted transaction: a reprocessed batch is counted again.
   */
  readonly onJoin?: (matched: boolean) => void;
}

/**
 * readings ⟕ containers (a global table: every instance holds every
 * container, so readings need no co-partitioning with the reference topic)
 * → enriched readings, keyed by the reading's `containerId`.
 *
 * The join looks the container up by the reading's own `containerId` field,
 * and the output is keyed by it too, so the enriched topic is keyed by
 * containerId even if a producer wrote a reading under another key.
 */
export function buildTopology(options: EnrichTopologyOptions): Topology {
  const topics = { ...DEFAULT_ENRICH_TOPICS, ...options.topics };
  const unmatched = options.unmatched ?? 'pass';
  const onJoin = options.onJoin;
  const { serdes } = options;

  const builder = new StreamsBuilder();
  const containers = builder.globalTable(topics.reference, { key: string(), value: serdes.reference }, { store: CONTAINERS_STORE });
  builder
    .stream(topics.input, { key: string(), value: serdes.reading }, { name: 'readings' })
    .leftJoinGlobal(
      containers,
      (key, reading) => {
        // A tombstone on the readings topic would otherwise fail with a TypeError: name it.
        if (reading === null || reading === undefined) throw new MissingReadingError(key);
        return reading.containerId;
      },
      (reading, reference) => {
        onJoin?.(reference !== undefined);
        if (reference === undefined && unmatched === 'dlq') throw new UnmatchedReadingError(reading.containerId, topics.reference);
        return enrichReading(reading, reference);
      },
      { name: 'join-containers' },
    )
    .selectKey((_key, enriched) => enriched.containerId, { name: 'key-by-container' })
    .to(topics.output, { key: string(), value: serdes.enriched }, { name: 'enriched' });
  return builder.build();
}
