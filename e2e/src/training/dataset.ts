/**
 * Labelled history for the risk model: a simulated fleet, its one-minute
 * window aggregates as the oracle computes them (exactly what the aggregate
 * operator emits), features computed by the score operator's own feature
 * mapping, and labels from the simulator's ground truth.
 */
import type { WindowAggregate } from '@tributary/schemas';
import type { FeatureExtractor } from '@tributary/score';
import { expectedWindows } from '../oracle/index.js';
import { failsWithin, hasFailed, mixSeed, Random, simulateFleet, type SimulatedContainer } from '../simulator/index.js';

export interface HistoryOptions {
  readonly seed: number;
  readonly containers: number;
  readonly durationMs: number;
  /** Share of containers that drift towards compressor failure. */
  readonly failingShare: number;
  /** First reading, epoch ms (minute-aligned). */
  readonly startTime: number;
}

export interface LabelledWindow {
  readonly containerId: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly features: number[];
  /** 1 when the compressor fails within the horizon after the window's end. */
  readonly label: 0 | 1;
}

export interface LabelledHistory {
  readonly windows: LabelledWindow[];
  readonly containers: readonly SimulatedContainer[];
  /** Windows left out because the unit had already failed (see `labelledHistory`). */
  readonly excludedAfterFailure: number;
}

/** A simulated fleet's windows as the training sees them (see `historyWindows`). */
export interface HistoryWindows {
  readonly aggregates: WindowAggregate[];
  readonly containers: readonly SimulatedContainer[];
  /** Windows left out because the unit had already failed. */
  readonly excludedAfterFailure: number;
}

/**
 * Simulates the fleet and computes its windows with the oracle, leaving out
 * the windows holding readings from after the unit's failure (failsAt <
 * windowEnd; see `labelledHistory`): the population the model is trained
 * on, and which its drift metrics compare with.
 *
 * Delivery noise (out-of-order, late, malformed posts) is off: it changes
 * what ingest sees, not the windows the model learns from.
 */
export function historyWindows(options: HistoryOptions): HistoryWindows {
  const fleet = simulateFleet({
    seed: options.seed,
    containers: options.containers,
    startTime: options.startTime,
    durationMs: options.durationMs,
    failingShare: options.failingShare,
    outOfOrderShare: 0,
    lateShare: 0,
    malformedShare: 0,
  });
  const byId = new Map(fleet.containers.map((c) => [c.containerId, c]));
  const aggregates: WindowAggregate[] = [];
  let excludedAfterFailure = 0;
  for (const aggregate of expectedWindows(fleet).aggregates) {
    if (hasFailed(byId.get(aggregate.containerId) as SimulatedContainer, aggregate.windowEnd.getTime() - 1)) excludedAfterFailure++;
    else aggregates.push(aggregate);
  }
  return { aggregates, containers: fleet.containers, excludedAfterFailure };
}

/**
 * Simulates the fleet and labels every window: `failsWithin(container,
 * windowEnd, horizon)`. Windows holding readings from after the failure
 * (failsAt < windowEnd) are left out, not labelled 1: once the compressor
 * has stopped, the question is no longer a prediction (power collapses to
 * the fans — a rule sees that), and those windows would teach the model to
 * recognise dead units instead of failing ones, inflating the AUC.
 */
export function labelledHistory(options: HistoryOptions, extractor: FeatureExtractor, horizonMs: number): LabelledHistory {
  const history = historyWindows(options);
  const byId = new Map(history.containers.map((c) => [c.containerId, c]));
  const windows = history.aggregates.map((aggregate): LabelledWindow => {
    const windowEnd = aggregate.windowEnd.getTime();
    return {
      containerId: aggregate.containerId,
      windowStart: aggregate.windowStart.getTime(),
      windowEnd,
      features: extractor.extract(aggregate),
      label: failsWithin(byId.get(aggregate.containerId) as SimulatedContainer, windowEnd, horizonMs) ? 1 : 0,
    };
  });
  return { windows, containers: history.containers, excludedAfterFailure: history.excludedAfterFailure };
}

/**
 * Containers held out for evaluation, chosen by a seeded shuffle within
 * failing and healthy units separately (so both sides get their share of
 * failing units). Splitting by container, not by window, keeps a unit's
 * near-identical neighbouring minutes out of both sides at once.
 */
export function heldOutContainers(containers: readonly SimulatedContainer[], share: number, seed: number): Set<string> {
  const random = new Random(mixSeed(seed, 0x5eed));
  const held = new Set<string>();
  for (const group of [containers.filter((c) => c.failsAt !== null), containers.filter((c) => c.failsAt === null)]) {
    const ids = group.map((c) => c.containerId);
    for (let i = ids.length - 1; i > 0; i--) {
      const j = random.int(0, i);
      [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
    }
    for (const id of ids.slice(0, Math.round(ids.length * share))) held.add(id);
  }
  return held;
}
