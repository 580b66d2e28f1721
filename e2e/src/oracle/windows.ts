/**
 * What the pipeline must output for a fleet: the one-minute window
 * aggregates (after the enrichment join), the late readings, and the counts
 * ingest and enrich should report. Computed from the posts alone, in the
 * plainest way (collect, sort, compute), independently of services/.
 */
import type { ContainerReference, SensorReading, WindowAggregate } from '@tributary/schemas';
import { OracleError } from './errors.js';
import { doorOpenSecondsOf, slopePerMinute, statsOf } from './statistics.js';
import type { SimulatedFleet } from '../simulator/index.js';

const WINDOW_MS = 60_000;

export interface ExpectedWindowsOptions {
  /** The aggregate's GRACE_MS (default 30000). */
  readonly graceMs?: number;
}

export interface ExpectedWindows {
  /** One aggregate per (containerId, window) with an on-time reading, sorted by windowStart then containerId. */
  readonly aggregates: WindowAggregate[];
  /**
   * Readings the aggregate must send to its late topic, in posting order (with
   * the default grace: exactly those flagged `late`). A duplicate is listed
   * when it is late: the aggregate can only recognise one in an open window.
   */
  readonly late: SensorReading[];
  /** Bodies ingest must refuse (400). */
  readonly malformed: number;
  /** Readings (late ones and duplicates included, flush readings excluded) whose container has no reference record: enrich leaves them unmatched. */
  readonly unmatchedReadings: number;
}

/**
 * Expected windows of `fleet.posts()` (flush readings are not part of it, so
 * the windows they open are never expected).
 *
 * Lateness is decided here, from the posting order: the aggregate's
 * watermark for a reading's partition is at least the largest eventTime its
 * own container posted before it, and at most the largest eventTime anyone
 * posted before it. A reading is late when the former has reached its
 * window's end + grace, on time when the latter has not; anything between
 * would depend on the partitioning, and throws.
 *
 * Duplicates: of the on-time readings of one container with the same
 * eventTime (ms), only the first posted counts; the others are ignored
 * whatever their values, as the aggregate does (ingest is at-least-once). A
 * duplicate is late or not like any reading; as its eventTime was already
 * posted, it never moves a watermark.
 */
export function expectedWindows(fleet: Pick<SimulatedFleet, 'posts' | 'references'>, options: ExpectedWindowsOptions = {}): ExpectedWindows {
  const graceMs = options.graceMs ?? 30_000;
  const references = new Map<string, ContainerReference>(fleet.references.map((r) => [r.containerId, r]));
  /** Per container: its largest on-time eventTime so far, and its windows that have not closed yet (readings by eventTime, the first posted). */
  const containers = new Map<string, { max: number; open: Map<number, Map<number, SensorReading>> }>();
  const aggregates: WindowAggregate[] = [];
  const late: SensorReading[] = [];
  let anyMax = -Infinity;
  let malformed = 0;
  let unmatchedReadings = 0;

  const close = (containerId: string, windowStart: number, readings: Map<number, SensorReading>) => {
    aggregates.push(aggregateOf(containerId, windowStart, [...readings.values()], references.get(containerId)));
  };

  for (const item of fleet.posts()) {
    if (item.kind === 'malformed') {
      malformed++;
      continue;
    }
    const reading = item.reading;
    const id = reading.containerId;
    const time = reading.eventTime.getTime();
    if (!references.has(id)) unmatchedReadings++;
    let container = containers.get(id);
    if (container === undefined) containers.set(id, (container = { max: -Infinity, open: new Map() }));
    const windowStart = Math.floor(time / WINDOW_MS) * WINDOW_MS;
    const closesAt = windowStart + WINDOW_MS + graceMs;
    if (container.max >= closesAt) {
      late.push(reading);
      continue;
    }
    if (anyMax >= closesAt) {
      throw new OracleError(
        `reading of ${id} at ${reading.eventTime.toISOString()} is late or not depending on partitioning: ` +
          `its window closes at ${new Date(closesAt).toISOString()}, other containers already posted up to ${new Date(anyMax).toISOString()}`,
      );
    }
    anyMax = Math.max(anyMax, time);
    let readings = container.open.get(windowStart);
    if (readings === undefined) container.open.set(windowStart, (readings = new Map<number, SensorReading>()));
    if (readings.has(time)) continue; // a duplicate: the first posted counts
    readings.set(time, reading);
    if (time > container.max) {
      container.max = time;
      // Windows this container has now closed can take no more readings (any would be late): finish them, keeping memory small.
      for (const [start, windowReadings] of container.open) {
        if (start + WINDOW_MS + graceMs <= time) {
          close(id, start, windowReadings);
          container.open.delete(start);
        }
      }
    }
  }
  for (const [id, container] of containers) for (const [start, readings] of container.open) close(id, start, readings);

  aggregates.sort((a, b) => a.windowStart.getTime() - b.windowStart.getTime() || (a.containerId < b.containerId ? -1 : a.containerId > b.containerId ? 1 : 0));
  return { aggregates, late, malformed, unmatchedReadings };
}

/**
 * One window's aggregate from its readings, in any order: the result does
 * not depend on it. Their eventTimes must be distinct (`expectedWindows`
 * drops duplicates first); a RangeError says otherwise.
 */
export function aggregateOf(containerId: string, windowStart: number, readings: readonly SensorReading[], reference: ContainerReference | undefined): WindowAggregate {
  if (readings.length === 0) throw new RangeError('aggregateOf: no readings');
  const sorted = [...readings].sort((a, b) => a.eventTime.getTime() - b.eventTime.getTime());
  const times = sorted.map((r) => r.eventTime.getTime());
  const temperatures = sorted.map((r) => r.temperatureC);
  const powers = sorted.map((r) => r.coolingPowerKw);
  return {
    containerId,
    windowStart: new Date(windowStart),
    windowEnd: new Date(windowStart + WINDOW_MS),
    readingCount: sorted.length,
    temperatureC: statsOf(temperatures),
    humidityPct: statsOf(sorted.map((r) => r.humidityPct)),
    coolingPowerKw: statsOf(powers),
    temperatureSlopeCPerMin: slopePerMinute(times, temperatures, windowStart),
    coolingPowerSlopeKwPerMin: slopePerMinute(times, powers, windowStart),
    maxGForce: sorted.reduce((max, r) => Math.max(max, r.gForce), -Infinity),
    doorOpenSeconds: doorOpenSecondsOf(sorted.map((r) => ({ time: r.eventTime.getTime(), doorOpen: r.doorOpen }))),
    // The reference is the same for every reading of a run: that of the reading with the greatest eventTime.
    cargoClass: reference?.cargoClass ?? null,
    setpointC: reference?.setpointC ?? null,
  };
}
