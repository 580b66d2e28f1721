/**
 * Window definitions. Every window is half-open: `[start, end)` contains the
 * event times `t` with `start ≤ t < end`. A window closes when the task's
 * watermark reaches `end + grace` (sessions: `end + gap + grace`, the first
 * time no on-time record can extend it any more).
 */

/** A window's bounds in ms since the epoch, half-open: `[start, end)`. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/** A key and the window its aggregate belongs to: the key of every windowed result. */
export interface Windowed<K> {
  readonly key: K;
  readonly window: Window;
}

/** A duration: ms, or a string such as `'500ms'`, `'30s'`, `'1m'`, `'2h'`, `'1d'`. */
export type Duration = number | string;

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function toMs(duration: Duration, what: string): number {
  let ms: number;
  if (typeof duration === 'number') ms = duration;
  else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(duration);
    if (match === null) throw new RangeError(`${what}: cannot read duration "${duration}" (expected e.g. 500ms, 30s, 1m, 2h, 1d)`);
    ms = Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1);
  }
  if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`${what} must be a whole number of ms ≥ 0, got ${String(duration)}`);
  return ms;
}

/** Tumbling and hopping windows: fixed size, aligned to the epoch, starting every `advance` ms. */
export class TimeWindows {
  readonly type = 'time' as const;
  constructor(
    readonly sizeMs: number,
    readonly advanceMs: number,
    readonly graceMs = 0,
  ) {
    if (sizeMs < 1) throw new RangeError(`window size must be at least 1 ms, got ${sizeMs}`);
    if (advanceMs < 1 || advanceMs > sizeMs) throw new RangeError(`window advance must be in [1, size=${sizeMs}] ms, got ${advanceMs}`);
  }

  /** How long after a window's end records for it are still accepted. */
  grace(duration: Duration): TimeWindows {
    return new TimeWindows(this.sizeMs, this.advanceMs, toMs(duration, 'grace'));
  }

  /** The windows containing event time `t`, oldest first (windows never start before 0). */
  windowsFor(t: number): Window[] {
    const windows: Window[] = [];
    const last = t - (t % this.advanceMs);
    for (let start = last; start > t - this.sizeMs && start >= 0; start -= this.advanceMs) windows.push({ start, end: start + this.sizeMs });
    return windows.reverse();
  }
}

/**
 * Sliding windows, as in Kafka Streams: two records fall in a common window
 * when their event times differ by at most `maxDifferenceMs`. The windows are
 * each record's window `[max(0, t - d), t + 1)` and, where a later record is within
 * reach, the window just after it `[t + 1, t + d + 2)`: every distinct set of
 * records that fit in `d + 1` ms, each emitted once.
 */
export class SlidingWindows {
  readonly type = 'sliding' as const;
  constructor(
    readonly maxDifferenceMs: number,
    readonly graceMs = 0,
  ) {
    if (maxDifferenceMs < 0) throw new RangeError(`sliding window difference must be ≥ 0 ms, got ${maxDifferenceMs}`);
  }

  grace(duration: Duration): SlidingWindows {
    return new SlidingWindows(this.maxDifferenceMs, toMs(duration, 'grace'));
  }
}

/**
 * Session windows: records of a key whose event times are at most
 * `gapMs` apart belong to one session; a record that bridges two sessions
 * merges them. A session `[first, last + 1)` closes when the watermark reaches
 * `last + 1 + gap + grace`; a record with `t + grace < watermark` is late.
 */
export class SessionWindows {
  readonly type = 'session' as const;
  constructor(
    readonly gapMs: number,
    readonly graceMs = 0,
  ) {
    if (gapMs < 1) throw new RangeError(`session gap must be at least 1 ms, got ${gapMs}`);
  }

  grace(duration: Duration): SessionWindows {
    return new SessionWindows(this.gapMs, toMs(duration, 'grace'));
  }
}

/** Fixed-size, non-overlapping windows: `[n·size, (n+1)·size)`. */
export function tumbling(size: Duration): TimeWindows {
  const ms = toMs(size, 'window size');
  return new TimeWindows(ms, ms);
}

/** Fixed-size windows starting every `advance`: each record falls in `size / advance` windows. */
export function hopping(size: Duration, advance: Duration): TimeWindows {
  return new TimeWindows(toMs(size, 'window size'), toMs(advance, 'window advance'));
}

/** Kafka Streams' sliding windows of `maxDifference` (see `SlidingWindows`). */
export function sliding(maxDifference: Duration): SlidingWindows {
  return new SlidingWindows(toMs(maxDifference, 'sliding window difference'));
}

/** Session windows closed by `inactivityGap` without records (see `SessionWindows`). */
export function session(inactivityGap: Duration): SessionWindows {
  return new SessionWindows(toMs(inactivityGap, 'session gap'));
}

export type WindowSpec = TimeWindows | SlidingWindows | SessionWindows;
