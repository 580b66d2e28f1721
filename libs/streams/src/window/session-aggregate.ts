import type { ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import type { TransactionalWindowStore } from '../state/window-store.js';
import { WatermarkClock, reportLate, windowed, type WindowOperatorConfig } from './window-operator.js';
import type { SessionWindows, Windowed } from './windows.js';

/**
 * Session aggregation. A record at `t` joins every session of its key it is
 * within `gap` of (`start - gap ≤ t ≤ end - 1 + gap`); when it reaches two or
 * more, they merge (aggregates combined with `merger`, oldest first). A
 * session `[start, end)` closes when the watermark reaches
 * `end + gap + grace` (last record + 1 + gap + grace): from then on no on-time
 * record can extend it. A record is late when `t + grace < watermark` — it
 * could otherwise extend a session already closed and emitted. In `update` mode a merged-away session
 * is retracted with a null value, as in Kafka Streams.
 */
export const sessionAggregateProcessor =
  <K, V, A>(
    windows: SessionWindows,
    config: WindowOperatorConfig,
    initializer: () => A,
    aggregator: (key: K, value: V, aggregate: A) => A,
    merger: (key: K, left: A, right: A) => A,
  ): ProcessorSupplier<K, V, Windowed<K>, A | null> =>
  () => {
    let context!: ProcessorContext<Windowed<K>, A | null>;
    let store!: TransactionalWindowStore<K, A>;
    let clock!: WatermarkClock<K, A>;
    const { gapMs: gap, graceMs: grace } = windows;

    const close = (): void => {
      for (const e of store.expired(clock.watermark() - gap - grace)) {
        if (config.emit === 'final') context.forward({ key: windowed(e.key, e), value: e.value, timestamp: e.end - 1 });
        store.remove(e.key, e.start, e.end);
      }
    };

    return {
      init(c) {
        context = c;
        store = c.getStateStore<TransactionalWindowStore<K, A>>(config.store);
        clock = new WatermarkClock(store, config, c, close);
      },
      process(record) {
        const key = record.key;
        if (key === null || key === undefined) return;
        const t = record.timestamp;
        clock.observe(t);
        const watermark = clock.watermark();
        if (t + grace < watermark) {
          reportLate(context, config, [{ start: t, end: t + 1 }], watermark);
          close();
          return;
        }
        const joined = store.windowsOf(key).filter((s) => s.start - gap <= t && t <= s.end - 1 + gap);
        let start = t;
        let end = t + 1;
        let aggregate: A | undefined;
        for (const s of joined) {
          start = Math.min(start, s.start);
          end = Math.max(end, s.end);
          aggregate = aggregate === undefined ? s.value : merger(key, aggregate, s.value);
        }
        const next = aggregator(key, record.value, aggregate ?? initializer());
        for (const s of joined) {
          if (s.start === start && s.end === end) continue;
          store.remove(key, s.start, s.end);
          if (config.emit === 'update') context.forward({ key: windowed(key, s), value: null, timestamp: t });
        }
        store.put(key, start, end, next);
        if (config.emit === 'update') context.forward({ key: windowed(key, { start, end }), value: next, timestamp: t });
        close();
      },
    };
  };
