import type { ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import type { TransactionalWindowStore, WindowEntry } from '../state/window-store.js';
import { WatermarkClock, reportLate, windowed, type WindowOperatorConfig } from './window-operator.js';
import type { SlidingWindows, Window, Windowed } from './windows.js';

/**
 * Sliding-window aggregation with Kafka Streams' window set (see
 * `SlidingWindows`), written half-open: each record at `t` has its window
 * `L(t) = [max(0, t - d), t + 1)`, and `R(t) = [t + 1, t + d + 2)` exists when a
 * later record lies in `(t, t + d + 1]` (unless that is `L(t + d + 1)`).
 *
 * The store keeps the records themselves (values per key and event time),
 * not per-window aggregates, for as long as an open window can contain them;
 * a window's aggregate is folded from its records, in event-time order, when
 * it is emitted. Memory is bounded by the records of the last `d + grace`.
 * A record is late when every window that could contain it has closed
 * (`t + d + 1 + grace ≤ watermark`).
 */
export const slidingAggregateProcessor =
  <K, V, A>(
    windows: SlidingWindows,
    config: WindowOperatorConfig,
    initializer: () => A,
    aggregator: (key: K, value: V, aggregate: A) => A,
  ): ProcessorSupplier<K, V, Windowed<K>, A> =>
  () => {
    let context!: ProcessorContext<Windowed<K>, A>;
    let store!: TransactionalWindowStore<K, V[]>;
    let clock!: WatermarkClock<K, V[]>;
    const { maxDifferenceMs: d, graceMs: grace } = windows;

    const fold = (key: K, records: readonly WindowEntry<K, V[]>[], w: Window): A => {
      let aggregate = initializer();
      for (const r of records) if (r.start >= w.start && r.start < w.end) for (const v of r.value) aggregate = aggregator(key, v, aggregate);
      return aggregate;
    };
    /** The windows of a key's records, each once; with `contains`, only those containing that time. */
    const windowsOf = (records: readonly WindowEntry<K, V[]>[]): Window[] => {
      const times = new Set(records.map((r) => r.start));
      const out: Window[] = [];
      for (const t of times) {
        out.push({ start: Math.max(0, t - d), end: t + 1 });
        if (times.has(t + d + 1)) continue;
        for (const u of times) {
          if (u > t && u <= t + d + 1) {
            out.push({ start: t + 1, end: t + d + 2 });
            break;
          }
        }
      }
      return out;
    };

    /** Emits the windows that closed as the watermark moved from `from` to now. */
    const close = (from: number): void => {
      const watermark = clock.watermark();
      if (!(watermark > from)) return;
      const closing = (w: Window): boolean => w.end + grace > from && w.end + grace <= watermark;
      const keys = new Map<string, K>();
      for (const e of store.expired(watermark - grace)) keys.set(JSON.stringify([typeof e.key, e.key]), e.key);
      for (const key of keys.values()) {
        const records = store.windowsOf(key);
        if (config.emit === 'final') {
          const due = windowsOf(records).filter(closing).sort((a, b) => a.end - b.end || a.start - b.start);
          for (const w of due) context.forward({ key: windowed(key, w), value: fold(key, records, w), timestamp: w.end - 1 });
        }
        // A record is needed until R(t), the last window that depends on it, has closed.
        for (const r of records) if (r.start + d + 2 + grace <= watermark) store.remove(key, r.start, r.end);
      }
    };

    return {
      init(c) {
        context = c;
        store = c.getStateStore<TransactionalWindowStore<K, V[]>>(config.store);
        clock = new WatermarkClock(store, config, c, close);
      },
      process(record) {
        const key = record.key;
        if (key === null || key === undefined) return;
        const t = record.timestamp;
        const from = clock.watermark();
        clock.observe(t);
        const watermark = clock.watermark();
        if (t + d + 1 + grace <= watermark) {
          reportLate(context, config, [{ start: Math.max(0, t - d), end: t + 1 }], watermark);
          close(from);
          return;
        }
        store.put(key, t, t + 1, [...(store.get(key, t, t + 1) ?? []), record.value]);
        if (config.emit === 'update') {
          const records = store.windowsOf(key);
          for (const w of windowsOf(records)) {
            // The windows holding the record, and its right window (new when a later record is within reach).
            const touched = (w.start <= t && t < w.end) || w.start === t + 1;
            if (touched && w.end + grace > watermark) context.forward({ key: windowed(key, w), value: fold(key, records, w), timestamp: t });
          }
        }
        close(from);
      },
    };
  };
