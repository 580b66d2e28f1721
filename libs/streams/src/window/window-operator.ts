import type { ProcessorContext } from '../processor/processor.js';
import type { TransactionalWindowStore } from '../state/window-store.js';
import type { Window, Windowed } from './windows.js';

/** When results leave a window operator. */
export type EmitMode =
  /** Every change of a window's aggregate (Kafka Streams' default). */
  | 'update'
  /** Exactly one result per window, when the watermark passes its close time (`suppress(untilWindowCloses)`). */
  | 'final';

/** What happens to a record that arrives after every window it belongs to has closed. */
export type LatePolicy = 'topic' | 'drop';

export interface WindowOperatorConfig {
  readonly store: string;
  readonly emit: EmitMode;
  readonly late: LatePolicy;
  readonly outOfOrdernessMs: number;
  /** Wall-clock idle time after which the watermark follows the wall clock; undefined: never. */
  readonly idleAdvanceMs: number | undefined;
}

/**
 * The watermark of one window operator in one task: the largest event time
 * the operator accepted (kept in its store, so it survives a restore in step
 * with the windows) minus the allowed out-of-orderness.
 *
 * Stream time only advances with data. With `idleAdvanceMs`, once no record
 * has arrived for that long (wall clock), the observed time moves forward at
 * the wall clock's pace, so windows still close on a quiet partition.
 */
export class WatermarkClock<K, V> {
  #lastRecordWall: number;
  #observedAtLastRecord: number;

  constructor(
    private readonly store: TransactionalWindowStore<K, V>,
    private readonly config: WindowOperatorConfig,
    private readonly context: Pick<ProcessorContext<unknown, unknown>, 'schedule' | 'currentSystemTime'>,
    onIdleAdvance: (previousWatermark: number) => void,
  ) {
    this.#lastRecordWall = context.currentSystemTime();
    this.#observedAtLastRecord = store.observedTime();
    const idle = config.idleAdvanceMs;
    if (idle !== undefined) {
      context.schedule(Math.max(1, Math.min(idle, 1_000)), 'wall-clock', (now) => {
        const previous = this.watermark();
        if (this.advanceIdle(now)) onIdleAdvance(previous);
      });
    }
  }

  /** The watermark: -∞ before any record. */
  watermark(): number {
    const observed = this.store.observedTime();
    return observed < 0 ? Number.NEGATIVE_INFINITY : observed - this.config.outOfOrdernessMs;
  }

  /** Takes in a record's event time. */
  observe(timestamp: number): void {
    if (timestamp > this.store.observedTime()) this.store.setObservedTime(timestamp);
    this.#lastRecordWall = this.context.currentSystemTime();
    this.#observedAtLastRecord = this.store.observedTime();
  }

  /** Moves observed time with the wall clock once idle; true when it moved. */
  advanceIdle(now: number): boolean {
    const idle = this.config.idleAdvanceMs;
    if (idle === undefined || this.#observedAtLastRecord < 0) return false;
    const idleFor = now - this.#lastRecordWall - idle;
    if (idleFor <= 0) return false;
    const target = this.#observedAtLastRecord + idleFor;
    if (target <= this.store.observedTime()) return false;
    this.store.setObservedTime(target);
    return true;
  }
}

export function windowed<K>(key: K, window: Window): Windowed<K> {
  return { key, window: { start: window.start, end: window.end } };
}

export function reportLate(
  context: Pick<ProcessorContext<unknown, unknown>, 'lateRecord'>,
  config: WindowOperatorConfig,
  windows: readonly Window[],
  watermark: number,
): void {
  context.lateRecord?.({ store: config.store, windows, watermark, drop: config.late === 'drop' });
}
