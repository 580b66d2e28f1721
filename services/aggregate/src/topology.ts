import { StreamsBuilder, string, tumbling, type Serde, type Topology } from '@tributary/streams';
import type { EnrichedReading, WindowAggregate } from '@tributary/schemas';
import { KeyMismatchError, MissingReadingError } from './errors.js';
import { addReading, emptyWindowState, toWindowAggregate, type WindowState } from './window-state.js';

/** The window store (changelog `<applicationId>-windows-1m-changelog`, late records to `<applicationId>.late`). */
export const WINDOWS_STORE = 'windows-1m';

export interface AggregateTopics {
  /** EnrichedReading records, keyed by containerId. */
  readonly input: string;
  /** WindowAggregate records, keyed by containerId, one per container and window. */
  readonly output: string;
}

export const DEFAULT_AGGREGATE_TOPICS: AggregateTopics = {
  input: 'coldchain.readings.enriched',
  output: 'coldchain.aggregates.1m',
};

/** Value serdes (keys are UTF-8 strings). Avro over the registry in production. */
export interface AggregateSerdes {
  readonly reading: Serde<EnrichedReading>;
  readonly aggregate: Serde<WindowAggregate>;
  /** The window state in the changelog; default JSON. */
  readonly state?: Serde<WindowState>;
}

export interface AggregateTopologyOptions {
  readonly serdes: AggregateSerdes;
  readonly topics?: Partial<AggregateTopics>;
  /** Tumbling window size, aligned to the epoch (default 60,000 ms). Slopes stay per minute whatever the size. */
  readonly windowMs?: number;
  /** How long after its end a window still accepts readings (default 30,000 ms). */
  readonly graceMs?: number;
  /**
   * With no record on a partition for this long (wall clock), its watermark
   * moves with the wall clock so its windows close (default: never; windows
   * close only when later readings arrive).
   */
  readonly idleAdvanceMs?: number;
}

export const DEFAULT_WINDOW_MS = 60_000;
export const DEFAULT_GRACE_MS = 30_000;

/**
 * enriched readings → per-container tumbling windows by event time →
 * one `WindowAggregate` per container and window, emitted when the task's
 * watermark (largest event time seen) reaches window end + grace. Readings
 * for a window already closed go to `<applicationId>.late` and are not counted.
 * A reading at an event time its open window already holds is a duplicate
 * (ingest is at-least-once) and changes nothing; once the window has closed,
 * such a reading is late like any other.
 *
 * Event time is the reading's `eventTime`. A reading whose record key is not
 * its `containerId` is dead-lettered (`KeyMismatchError`).
 */
export function buildTopology(options: AggregateTopologyOptions): Topology {
  const topics = { ...DEFAULT_AGGREGATE_TOPICS, ...options.topics };
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const { serdes } = options;

  const builder = new StreamsBuilder();
  builder
    .stream(
      topics.input,
      { key: string(), value: serdes.reading },
      {
        name: 'enriched-readings',
        timestampExtractor: ({ key, value }) => {
          // A tombstone would otherwise fail with a TypeError: name it.
          if (value === null || value === undefined) throw new MissingReadingError(key);
          return value.eventTime.getTime();
        },
      },
    )
    .peek(
      (key, reading) => {
        if (key !== reading.containerId) throw new KeyMismatchError(key, reading.containerId);
      },
      { name: 'check-key' },
    )
    .groupByKey()
    .windowedBy(tumbling(windowMs).grace(graceMs))
    .aggregate<WindowState>(
      emptyWindowState,
      // Tumbling windows are aligned to the epoch: a reading's window starts at t − t mod size.
      (_key, reading, state) => {
        const t = reading.eventTime.getTime();
        return addReading(state, reading, t - (t % windowMs));
      },
      {
        store: WINDOWS_STORE,
        emit: 'final',
        late: 'topic',
        ...(serdes.state === undefined ? {} : { valueSerde: serdes.state }),
        ...(options.idleAdvanceMs === undefined ? {} : { idleAdvance: options.idleAdvanceMs }),
        name: 'aggregate-windows',
      },
    )
    .toStream({ name: 'closed-windows' })
    .map((windowed, state) => [windowed.key, toWindowAggregate(windowed.key, windowed.window, state)], { name: 'to-window-aggregate' })
    .to(topics.output, { key: string(), value: serdes.aggregate }, { name: 'window-aggregates' });
  return builder.build();
}
