/** The simulator's public shapes. */
import type { CargoClass, ContainerReference, SensorReading } from '@tributary/schemas';

export interface FleetOptions {
  /** Seed of every random choice: the same options give the same fleet and the same posts. */
  readonly seed: number;
  /** Number of containers (≥ 1). */
  readonly containers: number;
  /** First reading's second, epoch ms; must be aligned to a minute so windows are whole. */
  readonly startTime: number;
  /** Length of the run, ms (≥ 1000); readings have eventTime in [startTime, startTime + durationMs). */
  readonly durationMs: number;
  /** Share of containers that drift towards compressor failure (default 0.15; rounded to a whole count). */
  readonly failingShare?: number;
  /** Share of containers without a reference record (default 0.05; rounded to a whole count). */
  readonly unreferencedShare?: number;
  /** Share of readings posted 1–5 s late, after newer readings (default 0.01). */
  readonly outOfOrderShare?: number;
  /** Share of readings posted 3–6 min late, past any 30 s grace (default 0.001). */
  readonly lateShare?: number;
  /** Share of readings replaced by a JSON body that fails schema validation (default 0.001). */
  readonly malformedShare?: number;
  /** Grace of the aggregate's windows, ms; only sets when flushPosts() happen (default 30000). */
  readonly graceMs?: number;
  /** When failing units fail, as fractions of durationMs after startTime (default [0.3, 1.2]: some fail after the run). */
  readonly failsAtRange?: readonly [from: number, to: number];
  /** How long before failsAt degradation starts, ms (default [1 h, 4 h]). */
  readonly degradationMs?: readonly [min: number, max: number];
}

/** One thing the e2e posts to ingest, in order. */
export type PostItem =
  /** A valid reading; `late` when it is posted ≥ 3 min after newer readings (the aggregate must route it to its late topic). */
  | { readonly kind: 'reading'; readonly reading: SensorReading; readonly late: boolean }
  /** A body that fails schema validation (ingest must answer 400); `problem` says what is wrong. */
  | { readonly kind: 'malformed'; readonly body: unknown; readonly problem: string };

/** A container of the fleet, with the ground truth the tests and the training script need. */
export interface SimulatedContainer {
  readonly containerId: string;
  readonly cargoClass: CargoClass;
  readonly setpointC: number;
  readonly toleranceC: number;
  /** Epoch ms of compressor failure; null for a healthy unit. May lie after endTime. */
  readonly failsAt: number | null;
  /** Epoch ms from which a failing unit degrades (may lie before startTime); null for a healthy unit. */
  readonly degradesFrom: number | null;
  /** False when the container has no reference record (enrich leaves its readings unmatched). */
  readonly referenced: boolean;
  /** The lane it travels (for humans reading test output). */
  readonly route: string;
}

export interface SimulatedFleet {
  readonly options: Readonly<Required<FleetOptions>>;
  /** Reference records of the referenced containers: publish them to coldchain.containers before posting readings. */
  readonly references: readonly ContainerReference[];
  readonly containers: readonly SimulatedContainer[];
  /**
   * Everything to post, in posting order: readings in eventTime order, with
   * out-of-order readings 1–5 s and late readings 3–6 min behind, and
   * malformed bodies in place of the readings they replace. Generated
   * lazily; each call starts afresh and yields the same sequence.
   */
  posts(): Iterable<PostItem>;
  /** One reading per container at `flushTime`, posted last so every window of posts() closes. */
  flushPosts(): PostItem[];
  /** startTime + durationMs: no reading of posts() has eventTime at or after it. */
  readonly endTime: number;
  /** endTime + graceMs + 2 min: the eventTime of the flush readings. */
  readonly flushTime: number;
}
