import type { ProcessorSupplier } from '../processor/processor.js';
import { float64, json, string, type Serde } from '../serde.js';
import { DEFAULT_RETENTION_MARGIN_MS, windowStore } from '../state/window-stores.js';
import { sessionAggregateProcessor } from '../window/session-aggregate.js';
import { slidingAggregateProcessor } from '../window/sliding-aggregate.js';
import { timeWindowAggregateProcessor } from '../window/time-window-aggregate.js';
import type { EmitMode, LatePolicy, WindowOperatorConfig } from '../window/window-operator.js';
import { windowedSerde } from '../window/windowed-serde.js';
import { SessionWindows, SlidingWindows, TimeWindows, toMs, type Duration, type Windowed } from '../window/windows.js';
import type { KStream } from './kstream.js';
import { KTable } from './ktable.js';

export interface WindowedAggregateOptions<A> {
  /** Store name: queryable by it; changelog `<applicationId>-<store>-changelog` (compact,delete). */
  readonly store: string;
  /** Serde of the aggregate in the changelog; default JSON (float64 for `count`). */
  readonly valueSerde?: Serde<A>;
  /** `update` (default): every change; `final`: one result per window when it closes. */
  readonly emit?: EmitMode;
  /** Late records: written to `<applicationId>.late` (`topic`, default) or only counted (`drop`). */
  readonly late?: LatePolicy;
  /** Watermark = max event time − this (default 0). */
  readonly outOfOrderness?: Duration;
  /**
   * After this much wall-clock time without a record on the task, the
   * watermark advances with the wall clock, so windows close on a quiet
   * partition. Default: never (windows close only when data arrives).
   */
  readonly idleAdvance?: Duration;
  /** Changelog retention beyond window size + grace (default one day). */
  readonly retentionMargin?: Duration;
  readonly name?: string;
}

/** A windowed table: its updates (or final results) keyed by key and window. */
export type WindowedKTable<K, A> = KTable<Windowed<K>, A>;

interface Upstream<K, V> {
  /** The stream to aggregate (repartitioned, named after the store, when the key changed). */
  input(store: string): KStream<K, V>;
  readonly keySerde: Serde<K> | undefined;
  readonly valueSerde: Serde<V> | undefined;
}

function config(options: WindowedAggregateOptions<unknown>): WindowOperatorConfig {
  return {
    store: options.store,
    emit: options.emit ?? 'update',
    late: options.late ?? 'topic',
    outOfOrdernessMs: toMs(options.outOfOrderness ?? 0, 'outOfOrderness'),
    idleAdvanceMs: options.idleAdvance === undefined ? undefined : toMs(options.idleAdvance, 'idleAdvance'),
  };
}

function materialize<K, V, A>(
  upstream: Upstream<K, V>,
  kind: 'window' | 'session',
  spanMs: number,
  storeValueSerde: Serde<unknown>,
  outputValueSerde: Serde<A>,
  options: WindowedAggregateOptions<A>,
  supplier: ProcessorSupplier<K, V, Windowed<K>, A>,
): WindowedKTable<K, A> {
  const input = upstream.input(options.store);
  const builder = input.builder;
  const keySerde = upstream.keySerde ?? (string() as unknown as Serde<K>);
  const margin = toMs(options.retentionMargin ?? DEFAULT_RETENTION_MARGIN_MS, 'retentionMargin');
  builder.topology.addStore(windowStore(options.store, { kind, keySerde, valueSerde: storeValueSerde, retentionMs: spanMs + margin }));
  const name = builder.nameFor(`windowed-aggregate-${options.store}`, options.name);
  builder.topology.addProcessor(name, supplier, [input.node], [options.store]);
  return new KTable<Windowed<K>, A>(builder, name, options.store, { key: windowedSerde(keySerde), value: outputValueSerde });
}

/** A grouped stream over tumbling, hopping or sliding windows. */
export class TimeWindowedKStream<K, V> {
  constructor(
    private readonly upstream: Upstream<K, V>,
    readonly windows: TimeWindows | SlidingWindows,
  ) {}

  aggregate<A>(initializer: () => A, aggregator: (key: K, value: V, aggregate: A) => A, options: WindowedAggregateOptions<A>): WindowedKTable<K, A> {
    const c = config(options);
    const valueSerde = options.valueSerde ?? json<A>();
    const w = this.windows;
    if (w instanceof TimeWindows) {
      return materialize(this.upstream, 'window', w.sizeMs + w.graceMs, valueSerde as Serde<unknown>, valueSerde, options, timeWindowAggregateProcessor(w, c, initializer, aggregator));
    }
    // Sliding windows keep the records themselves: the store's values are lists of input values.
    const recordSerde = listSerde(this.upstream.valueSerde ?? json<V>());
    return materialize(this.upstream, 'window', w.maxDifferenceMs + 2 + w.graceMs, recordSerde as Serde<unknown>, valueSerde, options, slidingAggregateProcessor(w, c, initializer, aggregator));
  }

  count(options: WindowedAggregateOptions<number>): WindowedKTable<K, number> {
    return this.aggregate(() => 0, (_k, _v, n) => n + 1, { valueSerde: float64(), ...options });
  }

  reduce(reducer: (aggregate: V, value: V) => V, options: WindowedAggregateOptions<V>): WindowedKTable<K, V> {
    const first = Symbol('none');
    return this.aggregate<V>(
      () => first as unknown as V,
      (_k, value, aggregate) => ((aggregate as unknown) === first ? value : reducer(aggregate, value)),
      { ...options, ...(options.valueSerde === undefined && this.upstream.valueSerde !== undefined ? { valueSerde: this.upstream.valueSerde } : {}) },
    );
  }
}

/** A grouped stream over session windows. */
export class SessionWindowedKStream<K, V> {
  constructor(
    private readonly upstream: Upstream<K, V>,
    readonly windows: SessionWindows,
  ) {}

  /** `merger` combines two sessions' aggregates when a record bridges them (older first). */
  aggregate<A>(
    initializer: () => A,
    aggregator: (key: K, value: V, aggregate: A) => A,
    merger: (key: K, older: A, newer: A) => A,
    options: WindowedAggregateOptions<A>,
  ): WindowedKTable<K, A> {
    const c = config(options);
    const valueSerde = options.valueSerde ?? json<A>();
    const supplier = sessionAggregateProcessor(this.windows, c, initializer, aggregator, merger) as ProcessorSupplier<K, V, Windowed<K>, A>;
    return materialize(this.upstream, 'session', this.windows.gapMs + this.windows.graceMs, valueSerde as Serde<unknown>, valueSerde, options, supplier);
  }

  count(options: WindowedAggregateOptions<number>): WindowedKTable<K, number> {
    return this.aggregate(() => 0, (_k, _v, n) => n + 1, (_k, a, b) => a + b, { valueSerde: float64(), ...options });
  }

  reduce(reducer: (aggregate: V, value: V) => V, options: WindowedAggregateOptions<V>): WindowedKTable<K, V> {
    const first = Symbol('none');
    const none = first as unknown as V;
    return this.aggregate<V>(
      () => none,
      (_k, value, aggregate) => (aggregate === none ? value : reducer(aggregate, value)),
      (_k, a, b) => (a === none ? b : b === none ? a : reducer(a, b)),
      { ...options, ...(options.valueSerde === undefined && this.upstream.valueSerde !== undefined ? { valueSerde: this.upstream.valueSerde } : {}) },
    );
  }
}

/** A list of values: a 4-byte count, then each value as a 4-byte length and its bytes (synchronous serdes only). */
function listSerde<V>(serde: Serde<V>): Serde<V[]> {
  return {
    serialize(values, context) {
      const parts: Buffer[] = [];
      const head = Buffer.allocUnsafe(4);
      head.writeUInt32BE(values.length);
      parts.push(head);
      for (const v of values) {
        const bytes = serde.serialize(v, context);
        if (!Buffer.isBuffer(bytes)) throw new TypeError('sliding windows need a synchronous value serde');
        const len = Buffer.allocUnsafe(4);
        len.writeUInt32BE(bytes.length);
        parts.push(len, bytes);
      }
      return Buffer.concat(parts);
    },
    deserialize(data, context) {
      const n = data.readUInt32BE(0);
      const out: V[] = [];
      let at = 4;
      for (let i = 0; i < n; i++) {
        const len = data.readUInt32BE(at);
        const v = serde.deserialize(data.subarray(at + 4, at + 4 + len), context);
        if (v instanceof Promise) throw new TypeError('sliding windows need a synchronous value serde');
        out.push(v);
        at += 4 + len;
      }
      return out;
    },
  };
}

export { SessionWindows, SlidingWindows, TimeWindows };
