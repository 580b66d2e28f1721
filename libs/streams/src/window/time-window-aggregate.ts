import type { ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import type { TransactionalWindowStore } from '../state/window-store.js';
import { WatermarkClock, reportLate, windowed, type WindowOperatorConfig } from './window-operator.js';
import type { TimeWindows, Window, Windowed } from './windows.js';

/**
 * Tumbling and hopping window aggregation. A record updates every window
 * containing it that is still open; a record whose windows have all closed is
 * late. After each record, windows whose `end + grace` the watermark reached
 * are closed: in `final` mode their aggregate is forwarded then, once; in
 * both modes they leave the store (the deletion, the emit and the consumed
 * offset commit together, so a restore never finds a window it already emitted).
 */
export const timeWindowAggregateProcessor =
  <K, V, A>(
    windows: TimeWindows,
    config: WindowOperatorConfig,
    initializer: () => A,
    aggregator: (key: K, value: V, aggregate: A) => A,
  ): ProcessorSupplier<K, V, Windowed<K>, A> =>
  () => {
    let context!: ProcessorContext<Windowed<K>, A>;
    let store!: TransactionalWindowStore<K, A>;
    let clock!: WatermarkClock<K, A>;
    let forward!: (key: Windowed<K>, value: A, timestamp: number) => void;
    const grace = windows.graceMs;

    const close = (): void => {
      for (const e of store.expired(clock.watermark() - grace)) {
        if (config.emit === 'final') forward(windowed(e.key, e), e.value, e.end - 1);
        store.remove(e.key, e.start, e.end);
      }
    };

    return {
      init(c) {
        context = c;
        store = context.getStateStore<TransactionalWindowStore<K, A>>(config.store);
        forward = (key, value, timestamp) => context.forward({ key, value, timestamp });
        clock = new WatermarkClock(store, config, context, close);
      },
      process(record) {
        if (record.key === null || record.key === undefined) return;
        const t = record.timestamp;
        clock.observe(t);
        const watermark = clock.watermark();
        const missed: Window[] = [];
        let updated = 0;
        for (const w of windows.windowsFor(t)) {
          if (w.end + grace <= watermark) {
            missed.push(w);
            continue;
          }
          const next = aggregator(record.key, record.value, store.get(record.key, w.start, w.end) ?? initializer());
          store.put(record.key, w.start, w.end, next);
          updated += 1;
          if (config.emit === 'update') forward(windowed(record.key, w), next, t);
        }
        if (updated === 0) reportLate(context, config, missed, watermark);
        close();
      },
    };
  };

