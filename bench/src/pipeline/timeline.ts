/**
 * When each reading and each window passed each stage of the pipeline, as
 * seen from outside: the feeder's HTTP answers, read_committed consumers on
 * every topic, and polls of PostgreSQL. All times are this process's
 * `Date.now()`, so stages are comparable (one machine, one clock).
 *
 * Readings are matched by (containerId, eventTime); windows by
 * (containerId, windowStart). A window closes when its partition's stream
 * time (the greatest eventTime the aggregate has read on that partition)
 * reaches windowEnd + grace; the timeline follows that stream time twice —
 * over the readings as ingest accepted them, and over the enriched readings
 * as they became visible — so it knows when each window's closing reading
 * entered the pipeline and when it reached the aggregate's input.
 */
import { spread, type Spread } from './stats.js';

interface ReadingTimes {
  phase: number;
  sent?: number;
  accepted?: number;
  onReadings?: number;
  enriched?: number;
}

interface WindowTimes {
  partition: number;
  aggregate: number;
  score?: number;
  row?: number;
}

interface Crossing {
  readonly at: number;
  readonly phase: number;
}

/** Per-partition stream time, and when it first reached each window's end + grace. */
class StreamClock {
  readonly #time = new Map<number, number>();
  readonly #crossings = new Map<number, Map<number, Crossing>>();

  constructor(
    private readonly windowMs: number,
    private readonly graceMs: number,
  ) {}

  advance(partition: number, eventTime: number, at: number, phase: number): void {
    const previous = this.#time.get(partition);
    if (previous !== undefined && eventTime <= previous) return;
    this.#time.set(partition, eventTime);
    if (previous === undefined) return;
    let crossings = this.#crossings.get(partition);
    if (crossings === undefined) this.#crossings.set(partition, (crossings = new Map<number, Crossing>()));
    // Boundaries are windowEnd + grace with windowEnd a multiple of the window size.
    let boundary = (Math.floor((previous - this.graceMs) / this.windowMs) + 1) * this.windowMs + this.graceMs;
    for (; boundary <= eventTime; boundary += this.windowMs) crossings.set(boundary, { at, phase });
  }

  /** When the partition's stream time reached windowEnd + grace of the window starting at `windowStart`. */
  closedAt(partition: number, windowStart: number): Crossing | undefined {
    return this.#crossings.get(partition)?.get(windowStart + this.windowMs + this.graceMs);
  }
}

/** Latency samples of one load phase, in ms. */
export interface PhaseLatencies {
  /** Per batch: POST sent → 2xx received. */
  readonly sentToAccepted: Spread;
  /** Per reading: POST sent → visible on coldchain.readings. */
  readonly sentToReadings: Spread;
  /** Per reading: visible on coldchain.readings → visible on coldchain.readings.enriched (enrich). */
  readonly readingsToEnriched: Spread;
  /** Per reading: 2xx received → visible enriched (the headline figure). */
  readonly acceptedToEnriched: Spread;
  /** Per window: the closing reading accepted by ingest → its enriched copy visible (enrich, for the closing reading). */
  readonly closeAcceptedToEnriched: Spread;
  /** Per window: the closing reading visible enriched → the window's aggregate visible (aggregate). */
  readonly closeEnrichedToAggregate: Spread;
  /** Per window: aggregate visible → score visible on coldchain.scores (score). */
  readonly aggregateToScore: Spread;
  /** Per window: score visible → risk_scores row visible in PostgreSQL (sink). */
  readonly scoreToRow: Spread;
  /** Per window: aggregate visible (the window closed) → risk_scores row visible (the headline figure). */
  readonly aggregateToRow: Spread;
  /** Per window: the reading that took simulated time past end + grace accepted by ingest → row visible. */
  readonly closeAcceptedToRow: Spread;
}

const windowKey = (containerId: string, windowStart: number) => `${containerId}|${windowStart}`;

export class Timeline {
  /** Phase of what is accepted from now on (set by the bench as it steps the load). */
  phase = 0;
  /**
   * Whether coldchain.readings is being watched. The bench stops that watcher
   * after the steady phase (it costs CPU on the machine under test); from
   * then on a reading is complete once accepted and seen enriched.
   */
  watchingReadings = true;
  readonly #readings = new Map<string, ReadingTimes>();
  readonly #windows = new Map<string, WindowTimes>();
  readonly #accepted: StreamClock;
  readonly #enriched: StreamClock;
  readonly #batchSamples = new Map<number, number[]>();
  readonly #readingSamples = new Map<number, { sentToReadings: number[]; readingsToEnriched: number[]; acceptedToEnriched: number[] }>();
  /** Readings accepted by ingest so far, and those of them seen enriched. */
  acceptedCount = 0;
  enrichedCount = 0;
  /** Windows seen on the aggregates topic, and of them with a score, with a row. */
  aggregateCount = 0;
  rowCount = 0;

  constructor(
    private readonly partitionOf: (containerId: string) => number,
    windowMs: number,
    graceMs: number,
  ) {
    this.#accepted = new StreamClock(windowMs, graceMs);
    this.#enriched = new StreamClock(windowMs, graceMs);
  }

  /** A batch the feeder posted at `sentAt` and ingest acknowledged at `acceptedAt`. */
  accepted(readings: readonly { containerId: string; eventTime: number }[], sentAt: number, acceptedAt: number): void {
    const phase = this.phase;
    const batches = this.#batchSamples.get(phase) ?? [];
    batches.push(acceptedAt - sentAt);
    this.#batchSamples.set(phase, batches);
    for (const r of readings) {
      this.#accepted.advance(this.partitionOf(r.containerId), r.eventTime, acceptedAt, phase);
      const times = this.#reading(r.containerId, r.eventTime);
      times.phase = phase;
      times.sent = sentAt;
      times.accepted = acceptedAt;
      this.acceptedCount++;
      this.#settle(r.containerId, r.eventTime, times);
    }
  }

  onReadings(containerId: string, eventTime: number, at: number): void {
    const times = this.#reading(containerId, eventTime);
    times.onReadings ??= at;
    this.#settle(containerId, eventTime, times);
  }

  onEnriched(containerId: string, eventTime: number, partition: number, at: number): void {
    this.#enriched.advance(partition, eventTime, at, this.phase);
    const times = this.#reading(containerId, eventTime);
    if (times.enriched === undefined) this.enrichedCount++;
    times.enriched ??= at;
    this.#settle(containerId, eventTime, times);
  }

  onAggregate(containerId: string, windowStart: number, partition: number, at: number): void {
    const key = windowKey(containerId, windowStart);
    if (this.#windows.has(key)) return;
    this.#windows.set(key, { partition, aggregate: at });
    this.aggregateCount++;
  }

  onScore(containerId: string, windowStart: number, at: number): void {
    const times = this.#windows.get(windowKey(containerId, windowStart));
    if (times !== undefined) times.score ??= at;
  }

  onRow(containerId: string, windowStart: number, at: number): void {
    const times = this.#windows.get(windowKey(containerId, windowStart));
    if (times === undefined || times.row !== undefined) return;
    times.row = at;
    this.rowCount++;
  }

  /** Readings accepted but not yet seen enriched. */
  get readingsInFlight(): number {
    return this.acceptedCount - this.enrichedCount;
  }

  /** Windows whose aggregate is visible but whose row is not yet. */
  get windowsInFlight(): number {
    return this.aggregateCount - this.rowCount;
  }

  #reading(containerId: string, eventTime: number): ReadingTimes {
    const key = `${containerId}|${eventTime}`;
    let times = this.#readings.get(key);
    if (times === undefined) this.#readings.set(key, (times = { phase: this.phase }));
    return times;
  }

  /** A reading seen at every stage becomes samples of its phase (and leaves the map, which would otherwise hold every reading of the run). */
  #settle(containerId: string, eventTime: number, times: ReadingTimes): void {
    const { sent, accepted, onReadings, enriched } = times;
    if (sent === undefined || accepted === undefined || enriched === undefined || (onReadings === undefined && this.watchingReadings)) return;
    let samples = this.#readingSamples.get(times.phase);
    if (samples === undefined) this.#readingSamples.set(times.phase, (samples = { sentToReadings: [], readingsToEnriched: [], acceptedToEnriched: [] }));
    if (onReadings !== undefined) {
      samples.sentToReadings.push(onReadings - sent);
      samples.readingsToEnriched.push(enriched - onReadings);
    }
    samples.acceptedToEnriched.push(enriched - accepted);
    this.#readings.delete(`${containerId}|${eventTime}`);
  }

  /** Latencies of one phase: readings by the phase in which ingest accepted them, windows by the phase in which their closing reading was accepted. */
  latencies(phase: number): PhaseLatencies {
    const readings = this.#readingSamples.get(phase) ?? { sentToReadings: [], readingsToEnriched: [], acceptedToEnriched: [] };
    const w = {
      closeAcceptedToEnriched: [] as number[],
      closeEnrichedToAggregate: [] as number[],
      aggregateToScore: [] as number[],
      scoreToRow: [] as number[],
      aggregateToRow: [] as number[],
      closeAcceptedToRow: [] as number[],
    };
    for (const [key, times] of this.#windows) {
      const start = Number(key.slice(key.indexOf('|') + 1));
      const acceptedClose = this.#accepted.closedAt(times.partition, start);
      if (acceptedClose?.phase !== phase) continue;
      const enrichedClose = this.#enriched.closedAt(times.partition, start);
      if (enrichedClose !== undefined) {
        w.closeAcceptedToEnriched.push(enrichedClose.at - acceptedClose.at);
        w.closeEnrichedToAggregate.push(times.aggregate - enrichedClose.at);
      }
      if (times.score !== undefined) w.aggregateToScore.push(times.score - times.aggregate);
      if (times.score !== undefined && times.row !== undefined) w.scoreToRow.push(times.row - times.score);
      if (times.row !== undefined) {
        w.aggregateToRow.push(times.row - times.aggregate);
        w.closeAcceptedToRow.push(times.row - acceptedClose.at);
      }
    }
    return {
      sentToAccepted: spread(this.#batchSamples.get(phase) ?? []),
      sentToReadings: spread(readings.sentToReadings),
      readingsToEnriched: spread(readings.readingsToEnriched),
      acceptedToEnriched: spread(readings.acceptedToEnriched),
      closeAcceptedToEnriched: spread(w.closeAcceptedToEnriched),
      closeEnrichedToAggregate: spread(w.closeEnrichedToAggregate),
      aggregateToScore: spread(w.aggregateToScore),
      scoreToRow: spread(w.scoreToRow),
      aggregateToRow: spread(w.aggregateToRow),
      closeAcceptedToRow: spread(w.closeAcceptedToRow),
    };
  }

  /** Every window seen, with its stage times (epoch ms), for a closer look (`--dump`). */
  *windowRecords(): Generator<Record<string, unknown>> {
    for (const [key, times] of this.#windows) {
      const start = Number(key.slice(key.indexOf('|') + 1));
      const accepted = this.#accepted.closedAt(times.partition, start);
      yield {
        window: key,
        partition: times.partition,
        phase: accepted?.phase,
        closeAccepted: accepted?.at,
        closeEnriched: this.#enriched.closedAt(times.partition, start)?.at,
        aggregate: times.aggregate,
        score: times.score,
        row: times.row,
      };
    }
  }

  /** Windows (seen on the aggregates topic) whose closing reading was accepted in `phase`, and how many of them have their row. */
  windowsOf(phase: number): { aggregates: number; rows: number; bursts: number } {
    let aggregates = 0;
    let rows = 0;
    const bursts = new Set<string>();
    for (const [key, times] of this.#windows) {
      const start = Number(key.slice(key.indexOf('|') + 1));
      if (this.#accepted.closedAt(times.partition, start)?.phase !== phase) continue;
      aggregates++;
      bursts.add(`${times.partition}|${start}`);
      if (times.row !== undefined) rows++;
    }
    return { aggregates, rows, bursts: bursts.size };
  }
}
