/**
 * What a model does in the product, not per window but per unit: on a fresh
 * simulated fleet, which windows would the score operator turn into alerts,
 * on which units, and how long before their failure. The windows are the
 * oracle's (exactly what the aggregate operator emits), the risks come from
 * whoever calls (onnxruntime on the committed model, or the fit itself).
 */
import type { WindowAggregate } from '@tributary/schemas';
import { DEFAULT_MODEL_PATH, loadScoringModel, type ModelMetadata } from '@tributary/score';
import { expectedWindows } from '../oracle/index.js';
import { simulateFleet, type PostItem, type SimulatedContainer } from '../simulator/index.js';

/** A fresh fleet to check a model on: a seed other than the training seed, failures inside the run. */
export interface CheckFleetOptions {
  readonly seed: number;
  readonly containers: number;
  readonly hours: number;
  readonly failingShare: number;
  /** When failing units fail, as fractions of the run (see FleetOptions.failsAtRange). */
  readonly failsAtRange: readonly [number, number];
  /** First reading, epoch ms (minute-aligned; default 2025-03-03T00:00Z). */
  readonly startTime?: number;
  /**
   * Simulate only the first this many hours of the run (default: all of
   * it); failure times are still drawn over `hours`. For a look at the
   * beginning of a long run, as `npm start` plays it.
   */
  readonly simulateHours?: number;
}

/** The check's default fleet: 40 containers × 3 h, a quarter failing, most of them inside the run. */
export const DEFAULT_CHECK_FLEET: CheckFleetOptions = { seed: 2026, containers: 40, hours: 3, failingShare: 0.25, failsAtRange: [0.2, 1.1] };

export interface CheckFleet {
  readonly options: Required<CheckFleetOptions>;
  readonly containers: readonly SimulatedContainer[];
  readonly aggregates: readonly WindowAggregate[];
  readonly endTime: number;
}

/** Simulates the fleet (delivery noise at the simulator's defaults: it does not change the windows) and computes its windows. */
export function checkFleet(options: CheckFleetOptions): CheckFleet {
  const resolved = { startTime: Date.UTC(2025, 2, 3), simulateHours: options.hours, ...options };
  const fleet = simulateFleet({
    seed: resolved.seed,
    containers: resolved.containers,
    startTime: resolved.startTime,
    durationMs: Math.round(resolved.hours * 3_600_000),
    failingShare: resolved.failingShare,
    failsAtRange: resolved.failsAtRange,
  });
  const endTime = Math.min(fleet.endTime, resolved.startTime + Math.round(resolved.simulateHours * 3_600_000));
  function* posts(): Generator<PostItem> {
    for (const post of fleet.posts()) {
      // Posts come in eventTime order (give or take the late and out-of-order ones): stop at the first reading past the end.
      if (post.kind === 'reading' && post.reading.eventTime.getTime() >= endTime) return;
      yield post;
    }
  }
  const aggregates = expectedWindows({ references: fleet.references, posts: () => ({ [Symbol.iterator]: posts }) }).aggregates;
  return { options: resolved, containers: fleet.containers, aggregates, endTime };
}

/**
 * Risks of the windows as the score operator computes them: the model files
 * loaded and checked by services/score's own loader, features by its
 * default FEATURES (the model's featureExpressions), onnxruntime, one batch.
 */
export async function operatorRisks(aggregates: readonly WindowAggregate[], modelPath: string = DEFAULT_MODEL_PATH): Promise<{ readonly risks: Float32Array; readonly metadata: ModelMetadata }> {
  const { scorer, features } = await loadScoringModel({ modelPath });
  try {
    const width = features.names.length;
    const rows = new Float32Array(aggregates.length * width);
    aggregates.forEach((aggregate, i) => rows.set(features.extract(aggregate), i * width));
    const { risk } = await scorer.score(rows, aggregates.length);
    return { risks: risk, metadata: scorer.metadata };
  } finally {
    await scorer.release();
  }
}

/** One failing unit of the fleet and the alerts it got. */
export interface FailingUnitAlerts {
  readonly containerId: string;
  readonly cargoClass: string;
  readonly referenced: boolean;
  /** Minutes from the first reading to the failure (may exceed the run). */
  readonly failsAtMinute: number;
  /** Whether the failure lies inside the run (so the unit could be caught before it). */
  readonly failsInRun: boolean;
  /** Minutes from the end of the first alerting window to failsAt (negative: the first alert came after the failure); null: no alert. */
  readonly firstAlertLeadMinutes: number | null;
  /** Alerts on windows that end before failsAt. */
  readonly alertsBeforeFailure: number;
}

export interface AlertFigures {
  readonly threshold: number;
  readonly horizonMinutes: number;
  readonly windows: number;
  readonly alerts: number;
  /** Alerts on windows ending at most the horizon before the failure: the alerts the model is for. */
  readonly alertsWithinHorizon: number;
  /** Alerts on a failing unit more than the horizon before its failure. */
  readonly alertsEarlierThanHorizon: number;
  /** Alerts on windows of a unit whose compressor had already stopped. */
  readonly alertsAfterFailure: number;
  /** Windows of units whose compressor had already stopped, alerting or not. */
  readonly windowsAfterFailure: number;
  /** Alerts on units that never fail. */
  readonly alertsOnHealthyUnits: number;
  readonly healthyUnits: number;
  readonly healthyUnitsAlerted: number;
  /** Units that fail inside the run, and how many of them got an alert before failing. */
  readonly failingInRun: number;
  readonly caughtBeforeFailure: number;
  /** Lead of the first alert over the units caught before failing, minutes (null when none was). */
  readonly leadMinutes: { readonly min: number; readonly median: number; readonly max: number } | null;
  readonly failingUnits: readonly FailingUnitAlerts[];
}

const MINUTE = 60_000;

/**
 * Which windows alert (risk ≥ threshold, as the score operator decides) and
 * what they were: `risks[i]` belongs to `fleet.aggregates[i]`.
 */
export function alertFigures(fleet: CheckFleet, risks: ArrayLike<number>, threshold: number, horizonMinutes: number): AlertFigures {
  if (risks.length !== fleet.aggregates.length) throw new RangeError(`${risks.length} risks for ${fleet.aggregates.length} windows`);
  const horizonMs = horizonMinutes * MINUTE;
  const byId = new Map(fleet.containers.map((c) => [c.containerId, c]));
  const first = new Map<string, number>();
  const before = new Map<string, number>();
  const healthyAlerted = new Set<string>();
  let alerts = 0;
  let withinHorizon = 0;
  let earlier = 0;
  let afterFailure = 0;
  let onHealthy = 0;
  let deadWindows = 0;
  fleet.aggregates.forEach((aggregate, i) => {
    const container = byId.get(aggregate.containerId) as SimulatedContainer;
    const windowEnd = aggregate.windowEnd.getTime();
    if (container.failsAt !== null && container.failsAt < windowEnd) deadWindows++;
    if ((risks[i] as number) < threshold) return;
    alerts++;
    if (container.failsAt === null) {
      onHealthy++;
      healthyAlerted.add(container.containerId);
      return;
    }
    if (!first.has(container.containerId)) first.set(container.containerId, windowEnd);
    // A window holding readings from after the failure (failsAt < windowEnd) is a dead unit's, as in training.
    if (container.failsAt < windowEnd) afterFailure++;
    else {
      before.set(container.containerId, (before.get(container.containerId) ?? 0) + 1);
      if (container.failsAt - windowEnd <= horizonMs) withinHorizon++;
      else earlier++;
    }
  });
  const start = fleet.options.startTime;
  const failingUnits = fleet.containers
    .filter((c) => c.failsAt !== null)
    .map((c): FailingUnitAlerts => {
      const failsAt = c.failsAt as number;
      const firstAlert = first.get(c.containerId);
      return {
        containerId: c.containerId,
        cargoClass: c.cargoClass,
        referenced: c.referenced,
        failsAtMinute: Math.round((failsAt - start) / MINUTE),
        failsInRun: failsAt < fleet.endTime,
        firstAlertLeadMinutes: firstAlert === undefined ? null : Math.round((failsAt - firstAlert) / MINUTE),
        alertsBeforeFailure: before.get(c.containerId) ?? 0,
      };
    })
    .sort((a, b) => a.failsAtMinute - b.failsAtMinute);
  const caught = failingUnits.filter((u) => u.failsInRun && u.alertsBeforeFailure > 0);
  const leads = caught.map((u) => u.firstAlertLeadMinutes as number).sort((a, b) => a - b);
  return {
    threshold,
    horizonMinutes,
    windows: fleet.aggregates.length,
    alerts,
    alertsWithinHorizon: withinHorizon,
    alertsEarlierThanHorizon: earlier,
    alertsAfterFailure: afterFailure,
    windowsAfterFailure: deadWindows,
    alertsOnHealthyUnits: onHealthy,
    healthyUnits: fleet.containers.filter((c) => c.failsAt === null).length,
    healthyUnitsAlerted: healthyAlerted.size,
    failingInRun: failingUnits.filter((u) => u.failsInRun).length,
    caughtBeforeFailure: caught.length,
    leadMinutes: leads.length === 0 ? null : { min: leads[0] as number, median: leads[Math.floor((leads.length - 1) / 2)] as number, max: leads[leads.length - 1] as number },
    failingUnits,
  };
}
