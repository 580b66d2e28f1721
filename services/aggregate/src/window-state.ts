/**
 * The state of one container's window while it is open, and the
 * `WindowAggregate` it becomes when the window closes.
 *
 * Compact: a fixed set of running moments, plus the door timeline (one entry
 * per reading: a window's readings have distinct event times, since a later
 * one at an event time already held is a duplicate and is dropped). Moments
 * are kept the Welford way (running mean and sum of squared deviations, and
 * co-moments with time) rather than as raw sums: the results are the same
 * quantities the "Aggregate semantics" define — population stddev = √(M2/n),
 * least-squares slope (nΣxy − ΣxΣy)/(nΣxx − (Σx)²) = Cxy/Mxx — but a constant
 * measure gives exactly 0 instead of a tiny negative variance, and there is
 * no cancellation between large sums. Time is kept as integer ms since the
 * window start, so a zero spread of times (slope denominator 0) is exact.
 *
 * Every update returns a new object: the window store keeps values by
 * reference and rolls a failed record back by restoring the previous one.
 */
import type { CargoClass, EnrichedReading, Stats, WindowAggregate } from '@tributary/schemas';
import type { Window } from '@tributary/streams';

/** Running moments of one measure. */
export interface MeasureState {
  readonly mean: number;
  /** Σ (y − mean)². */
  readonly m2: number;
  readonly min: number;
  readonly max: number;
  /** Σ (x − meanX)(y − mean), x = ms since the window start (only for the measures with a slope). */
  readonly cxy: number;
}

/** One window's aggregate state, as stored in `windows-1m` (JSON). */
export interface WindowState {
  /** Readings so far. */
  readonly n: number;
  /** Mean of x = eventTime − windowStart (ms). */
  readonly meanX: number;
  /** Σ (x − meanX)². */
  readonly m2X: number;
  readonly temperatureC: MeasureState;
  readonly humidityPct: MeasureState;
  readonly coolingPowerKw: MeasureState;
  readonly maxGForce: number;
  /**
   * Door timeline: `[x, open]` sorted by x, one entry per distinct event time
   * (the reading's door state); also the set of event times `addReading` uses
   * to recognise duplicates. See `doorOpenSeconds`.
   */
  readonly door: readonly (readonly [number, 0 | 1])[];
  /** Event time (x) of the latest reading, and its reference fields. */
  readonly latestX: number;
  readonly cargoClass: CargoClass | null;
  readonly setpointC: number | null;
}

const MS_PER_MINUTE = 60_000;

const EMPTY_MEASURE: MeasureState = { mean: 0, m2: 0, min: 0, max: 0, cxy: 0 };

/** The state of a window before its first reading. */
export function emptyWindowState(): WindowState {
  return {
    n: 0,
    meanX: 0,
    m2X: 0,
    temperatureC: EMPTY_MEASURE,
    humidityPct: EMPTY_MEASURE,
    coolingPowerKw: EMPTY_MEASURE,
    maxGForce: 0,
    door: [],
    latestX: -1,
    cargoClass: null,
    setpointC: null,
  };
}

/** Welford's update of one measure; `dx` is x − meanX before this reading. */
function addMeasure(m: MeasureState, y: number, n: number, dx: number, first: boolean): MeasureState {
  const dy = y - m.mean;
  const mean = m.mean + dy / n;
  return {
    mean,
    m2: m.m2 + dy * (y - mean),
    min: first ? y : Math.min(m.min, y),
    max: first ? y : Math.max(m.max, y),
    cxy: m.cxy + dx * (y - mean),
  };
}

/**
 * Inserts `[x, open]` keeping the timeline sorted. `addReading` only calls it
 * for a new x (duplicates are dropped before); an equal x would merge, open if
 * either is, so the timeline could never hold two entries for one time.
 */
function addDoor(door: WindowState['door'], x: number, open: boolean): WindowState['door'] {
  let lo = 0;
  let hi = door.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((door[mid]?.[0] ?? 0) < x) lo = mid + 1;
    else hi = mid;
  }
  const at = door[lo];
  if (at !== undefined && at[0] === x) {
    if (at[1] === 1 || !open) return door;
    return [...door.slice(0, lo), [x, 1], ...door.slice(lo + 1)];
  }
  return [...door.slice(0, lo), [x, open ? 1 : 0], ...door.slice(lo)];
}

/** True when the window already holds a reading of this event time (one per distinct time is kept in the door timeline). */
function hasTime(door: WindowState['door'], x: number): boolean {
  let lo = 0;
  let hi = door.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((door[mid]?.[0] ?? 0) < x) lo = mid + 1;
    else hi = mid;
  }
  return door[lo]?.[0] === x;
}

/**
 * Folds one reading into its window's state; `windowStart` is the start of
 * the window the reading belongs to. A second reading with the same event
 * time is a duplicate and leaves the state as it is: a sensor reports once
 * per instant, and HTTP → Kafka is at-least-once (a client retries a batch
 * whose answer it lost when ingest died after the broker acked it), so
 * de-duplicating by (container, eventTime) here is what makes the windows
 * exact end to end.
 */
export function addReading(state: WindowState, reading: EnrichedReading, windowStart: number): WindowState {
  const x = reading.eventTime.getTime() - windowStart;
  if (hasTime(state.door, x)) return state;
  const first = state.n === 0;
  const n = state.n + 1;
  const dx = x - state.meanX;
  const meanX = state.meanX + dx / n;
  // The greatest event time wins (x is new to the window, so there are no ties).
  const latest = x >= state.latestX;
  return {
    n,
    meanX,
    m2X: state.m2X + dx * (x - meanX),
    temperatureC: addMeasure(state.temperatureC, reading.temperatureC, n, dx, first),
    humidityPct: addMeasure(state.humidityPct, reading.humidityPct, n, dx, first),
    coolingPowerKw: addMeasure(state.coolingPowerKw, reading.coolingPowerKw, n, dx, first),
    maxGForce: first ? reading.gForce : Math.max(state.maxGForce, reading.gForce),
    door: addDoor(state.door, x, reading.doorOpen),
    latestX: latest ? x : state.latestX,
    cargoClass: latest ? reading.cargoClass : state.cargoClass,
    setpointC: latest ? reading.setpointC : state.setpointC,
  };
}

function stats(m: MeasureState, n: number): Stats {
  return { mean: m.mean, min: m.min, max: m.max, stddev: Math.sqrt(m.m2 / n) };
}

/** Least-squares slope per minute; 0 with fewer than two readings or when they all share one event time. */
function slopePerMinute(state: WindowState, m: MeasureState): number {
  if (state.n < 2 || state.m2X === 0) return 0;
  return (m.cxy / state.m2X) * MS_PER_MINUTE;
}

/**
 * Seconds the door was open: readings ordered by event time, each one with
 * the door open counts until the next reading's event time; the last reading
 * of the window counts nothing. Event times are distinct (duplicates never
 * enter the timeline), so the order is total and needs no tie rule.
 */
export function doorOpenSeconds(door: WindowState['door']): number {
  let ms = 0;
  for (let i = 0; i + 1 < door.length; i++) {
    const [x, open] = door[i] as readonly [number, 0 | 1];
    if (open === 1) ms += (door[i + 1] as readonly [number, 0 | 1])[0] - x;
  }
  return ms / 1000;
}

/** The `WindowAggregate` record of a closed window. */
export function toWindowAggregate(containerId: string, window: Window, state: WindowState): WindowAggregate {
  return {
    containerId,
    windowStart: new Date(window.start),
    windowEnd: new Date(window.end),
    readingCount: state.n,
    temperatureC: stats(state.temperatureC, state.n),
    humidityPct: stats(state.humidityPct, state.n),
    coolingPowerKw: stats(state.coolingPowerKw, state.n),
    temperatureSlopeCPerMin: slopePerMinute(state, state.temperatureC),
    coolingPowerSlopeKwPerMin: slopePerMinute(state, state.coolingPowerKw),
    maxGForce: state.maxGForce,
    doorOpenSeconds: doorOpenSeconds(state.door),
    cargoClass: state.cargoClass,
    setpointC: state.setpointC,
  };
}
