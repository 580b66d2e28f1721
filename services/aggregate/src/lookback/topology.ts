import { ProcessingError, StreamsBuilder, keyValueStore, json, string, type KeyValueStore, type Processor, type ProcessorContext, type Serde, type StreamRecord, type Topology } from '@tributary/streams';
import { KeyMismatchError, MissingReadingError } from '../errors.js';
import { longestRange, type LookbackFeature } from './features.js';
import { columnsOf, isLate, step, type FieldValue, type LookbackState } from './state.js';

/** The per-key event store of AGGREGATE_MODE=lookback (changelog `<applicationId>-lookback-changelog`). */
export const LOOKBACK_STORE = 'lookback';

/** Records are Avro records decoded to plain objects (field name → value). */
export type GenericRecord = Readonly<Record<string, unknown>>;

export interface LookbackTopologyOptions {
  readonly serdes: { readonly input: Serde<GenericRecord>; readonly output: Serde<GenericRecord>; readonly state?: Serde<LookbackState> };
  readonly topics: { readonly input: string; readonly output: string };
  readonly features: readonly LookbackFeature[];
  /** The input field holding the event time (timestamp-millis, decoded as a Date, or a long in ms). */
  readonly eventTimeField: string;
  /** When set, a record whose key differs from this field is dead-lettered (`KEY_MISMATCH`). */
  readonly keyField?: string;
  /** How far an event may be behind its key's greatest event time and still get exact features (default 5 min). */
  readonly graceMs?: number;
}

export const DEFAULT_LOOKBACK_GRACE_MS = 300_000;

/** An event further behind its key's greatest event time than the grace: its ranges reach into evicted state. */
export class LateEventError extends ProcessingError {
  override readonly code = 'LATE_EVENT';

  constructor(key: string | null, t: number, maxT: number, graceMs: number) {
    super(
      `the event of key ${JSON.stringify(key)} at ${new Date(t).toISOString()} is ${t < maxT ? maxT - t : 0} ms behind the key's latest event time ` +
        `${new Date(maxT).toISOString()}, more than the grace (${graceMs} ms): the events its ranges need may have been evicted`,
    );
  }
}

/** The event time field is missing or not a timestamp (the schema check makes this rare: a null in a nullable field, say). */
export class EventTimeError extends ProcessingError {
  override readonly code = 'EVENT_TIME';

  constructor(field: string, value: unknown) {
    super(`the record's ${field} is ${JSON.stringify(value)}: a timestamp is expected`);
  }
}

function eventTime(value: GenericRecord, field: string): number {
  const v = value[field];
  const t = v instanceof Date ? v.getTime() : typeof v === 'number' ? v : Number.NaN;
  if (!Number.isSafeInteger(t)) throw new EventTimeError(field, v);
  return t;
}

function fieldValue(v: unknown): FieldValue {
  return typeof v === 'number' || typeof v === 'string' ? v : null;
}

class LookbackProcessor implements Processor<string, GenericRecord, string, GenericRecord> {
  #context: ProcessorContext<string, GenericRecord> | undefined;
  #store: KeyValueStore<string, LookbackState> | undefined;
  readonly #cols: readonly string[];
  readonly #longest: number;

  constructor(private readonly options: LookbackTopologyOptions & { readonly graceMs: number }) {
    this.#cols = columnsOf(options.features);
    this.#longest = longestRange(options.features);
  }

  init(context: ProcessorContext<string, GenericRecord>): void {
    this.#context = context;
    this.#store = context.getStateStore<KeyValueStore<string, LookbackState>>(LOOKBACK_STORE);
  }

  process(record: StreamRecord<string, GenericRecord>): void {
    const store = this.#store as KeyValueStore<string, LookbackState>;
    const { graceMs } = this.options;
    const t = eventTime(record.value, this.options.eventTimeField);
    const state = store.get(record.key);
    if (isLate(state, t, graceMs)) throw new LateEventError(record.key, t, (state as LookbackState).maxT, graceMs);
    const values = this.#cols.map((c) => fieldValue(record.value[c]));
    const next = step(state, this.options.features, this.#cols, t, values, this.#longest, graceMs);
    store.put(record.key, next.state);
    (this.#context as ProcessorContext<string, GenericRecord>).forward({ ...record, value: { ...record.value, ...next.features } });
  }
}

/**
 * AGGREGATE_MODE=lookback: input records → per key, the configured look-back features
 * over the key's events already seen whose event time lies in
 * `[t − range, t]` → the input record plus one field per feature, keyed and
 * timestamped as the input. An event more than the grace behind its key's
 * greatest event time is dead-lettered (`LATE_EVENT`).
 */
export function buildLookbackTopology(options: LookbackTopologyOptions): Topology {
  const graceMs = options.graceMs ?? DEFAULT_LOOKBACK_GRACE_MS;
  const { serdes, topics, eventTimeField, keyField } = options;
  const builder = new StreamsBuilder();
  builder.topology.addStore(keyValueStore<string, LookbackState>(LOOKBACK_STORE, { keySerde: string(), valueSerde: serdes.state ?? json<LookbackState>() }));
  builder
    .stream(
      topics.input,
      { key: string(), value: serdes.input },
      {
        name: 'lookback-input',
        timestampExtractor: ({ key, value }) => {
          if (value === null || value === undefined) throw new MissingReadingError(key, 'an event');
          return eventTime(value, eventTimeField);
        },
      },
    )
    .peek(
      (key, value) => {
        if (keyField !== undefined && key !== value[keyField]) throw new KeyMismatchError(key, String(value[keyField]), keyField);
      },
      { name: 'lookback-check-key' },
    )
    .process(() => new LookbackProcessor({ ...options, graceMs }), { stores: [LOOKBACK_STORE], name: 'lookback-features' })
    .to(topics.output, { key: string(), value: serdes.output }, { name: 'lookback-output' });
  return builder.build();
}
