/**
 * A seeded fleet of reefers and the order in which their readings reach
 * ingest. Each unit has its own generator (signals) and its own delivery
 * generator (out-of-order, late, malformed), so a unit's signals do not
 * change when the delivery shares or the other units change.
 */
import type { ContainerReference, SensorReading } from '@tributary/schemas';
import { ConfigError } from '@tributary/streams';
import { CARGO_PROFILES, drawCargoClass } from './cargo.js';
import { newContainerId } from './container-id.js';
import { malformedBody } from './malformed.js';
import { PostQueue } from './post-queue.js';
import { mixSeed, Random } from './random.js';
import { Reefer, type ReeferSpec } from './reefer.js';
import { Trip } from './route.js';
import type { FleetOptions, PostItem, SimulatedContainer, SimulatedFleet } from './types.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Out-of-order readings are posted this much after their eventTime, ms: at least one newer reading of the same unit goes first. */
const OUT_OF_ORDER_DELAY_MS: readonly [number, number] = [1_001, 5_000];
/**
 * Late readings are posted this much after their eventTime, ms. The unit's
 * own reading of the second before goes first, so stream time is at least
 * 3 min past the late reading when it arrives: past any window end + 30 s.
 */
const LATE_DELAY_MS: readonly [number, number] = [181_000, 360_000];

/**
 * Purposes of the derived seeds. Each concern draws from its own generator,
 * so changing one option changes nothing else: with another failingShare the
 * same containers carry the same cargo, see the same doors, shocks and noise,
 * and only the chosen units wear out (a healthy twin for every failing unit).
 */
const SETUP = 1;
const SIGNALS = 2;
const DELIVERY = 3;
const FAILURES = 4;
const UNREFERENCED = 5;
const REFERENCE = 6;

function withDefaults(options: FleetOptions): Required<FleetOptions> {
  const resolved: Required<FleetOptions> = {
    failingShare: 0.15,
    unreferencedShare: 0.05,
    outOfOrderShare: 0.01,
    lateShare: 0.001,
    malformedShare: 0.001,
    graceMs: 30_000,
    failsAtRange: [0.3, 1.2],
    degradationMs: [1 * HOUR, 4 * HOUR],
    ...options,
  };
  const fail = (name: string, value: unknown, expected: string) => {
    throw new ConfigError(`simulateFleet: ${name} = ${JSON.stringify(value)}; expected ${expected}`);
  };
  if (!Number.isSafeInteger(resolved.seed)) fail('seed', resolved.seed, 'an integer');
  if (!Number.isInteger(resolved.containers) || resolved.containers < 1) fail('containers', resolved.containers, 'an integer ≥ 1');
  if (!Number.isSafeInteger(resolved.startTime) || resolved.startTime % MINUTE !== 0) fail('startTime', resolved.startTime, 'epoch ms aligned to a minute');
  if (!Number.isSafeInteger(resolved.durationMs) || resolved.durationMs < 1000) fail('durationMs', resolved.durationMs, 'an integer ≥ 1000');
  if (!Number.isSafeInteger(resolved.graceMs) || resolved.graceMs < 0) fail('graceMs', resolved.graceMs, 'an integer ≥ 0');
  for (const name of ['failingShare', 'unreferencedShare', 'outOfOrderShare', 'lateShare', 'malformedShare'] as const) {
    const share = resolved[name];
    if (!(share >= 0 && share <= 1)) fail(name, share, 'a share between 0 and 1');
  }
  if (resolved.outOfOrderShare + resolved.lateShare + resolved.malformedShare > 1) {
    fail('outOfOrderShare + lateShare + malformedShare', resolved.outOfOrderShare + resolved.lateShare + resolved.malformedShare, 'at most 1');
  }
  const [from, to] = resolved.failsAtRange;
  if (!(from <= to)) fail('failsAtRange', resolved.failsAtRange, '[from, to] with from ≤ to');
  const [min, max] = resolved.degradationMs;
  if (!(min > 0 && min <= max)) fail('degradationMs', resolved.degradationMs, '[min, max] with 0 < min ≤ max');
  return resolved;
}

/** k distinct indices out of n, chosen by a seeded partial Fisher–Yates shuffle. */
function chooseIndices(random: Random, n: number, k: number): Set<number> {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = random.int(i, n - 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return new Set(order.slice(0, k));
}

interface Unit {
  readonly spec: ReeferSpec;
  readonly container: SimulatedContainer;
  readonly deliverySeed: number;
  /** eventTime of the unit's last reading in the run. */
  readonly lastEventTime: number;
}

function isoDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Builds a fleet: containers, their reference records and a lazily generated, reproducible posting sequence. */
export function simulateFleet(options: FleetOptions): SimulatedFleet {
  const resolved = withDefaults(options);
  const { seed, startTime, durationMs } = resolved;
  const n = resolved.containers;
  const endTime = startTime + durationMs;
  const flushTime = endTime + resolved.graceMs + 2 * MINUTE;
  const setup = new Random(mixSeed(seed, SETUP));
  const failures = new Random(mixSeed(seed, FAILURES));
  const failing = chooseIndices(failures, n, Math.round(n * resolved.failingShare));
  const unreferenced = chooseIndices(new Random(mixSeed(seed, UNREFERENCED)), n, Math.round(n * resolved.unreferencedShare));

  const taken = new Set<string>();
  const units: Unit[] = [];
  const references: ContainerReference[] = [];
  for (let index = 0; index < n; index++) {
    const containerId = newContainerId(setup, taken);
    taken.add(containerId);
    const cargoClass = drawCargoClass(setup);
    const profile = CARGO_PROFILES[cargoClass];
    const setpointC = setup.pick(profile.setpointsC);
    let failsAt: number | null = null;
    let degradesFrom: number | null = null;
    if (failing.has(index)) {
      failsAt = startTime + Math.round(failures.uniform(resolved.failsAtRange[0], resolved.failsAtRange[1]) * durationMs);
      degradesFrom = failsAt - Math.round(failures.uniform(resolved.degradationMs[0], resolved.degradationMs[1]));
    }
    const phaseMs = setup.int(0, 999);
    const trip = new Trip(setup);
    const spec: ReeferSpec = {
      containerId,
      cargoClass,
      setpointC,
      failsAt,
      degradesFrom,
      phaseMs,
      seed: mixSeed(seed, SIGNALS, index),
      trip,
      powerFactor: setup.uniform(0.9, 1.1),
      capacityFactor: setup.uniform(0.9, 1.1),
      doorRatePerS: setup.uniform(0.5, 2.5) / 3600,
      shockRatePerS: (trip.route.mode === 'road' ? 8 : trip.route.mode === 'rail' ? 5 : 2) / 3600,
      ambientOffsetC: setup.uniform(-2, 3),
      gpsReportsAccuracy: setup.chance(0.8),
    };
    const referenced = !unreferenced.has(index);
    const container: SimulatedContainer = {
      containerId,
      cargoClass,
      setpointC,
      toleranceC: profile.toleranceC,
      failsAt,
      degradesFrom,
      referenced,
      route: trip.route.name,
    };
    // Readings at startTime + phase + k·1000 while before endTime.
    const lastEventTime = startTime + phaseMs + Math.ceil((endTime - startTime - phaseMs) / 1000 - 1) * 1000;
    units.push({ spec, container, deliverySeed: mixSeed(seed, DELIVERY, index), lastEventTime });
    if (referenced) {
      const paperwork = new Random(mixSeed(seed, REFERENCE, index));
      const loadedOn = isoDay(startTime - paperwork.int(1, 20) * DAY);
      references.push({
        containerId,
        shipmentId: paperwork.uuid(),
        cargoClass,
        cargoDescription: paperwork.pick(profile.descriptions),
        setpointC,
        toleranceC: profile.toleranceC,
        cargoValueUsd: paperwork.chance(0.2) ? null : paperwork.uniform(profile.valueUsd[0], profile.valueUsd[1]).toFixed(2),
        loadedOn,
        updatedAt: new Date(Date.parse(loadedOn) + Math.round(paperwork.uniform(6, 18) * HOUR)),
      });
    }
  }
  // Posting order within a second follows each device's phase: the regular stream is in eventTime order.
  const byPhase = [...units].sort((a, b) => a.spec.phaseMs - b.spec.phaseMs);

  function* posts(): Generator<PostItem> {
    const live = byPhase.map((unit) => ({ unit, reefer: new Reefer(unit.spec, startTime), delivery: new Random(unit.deliverySeed) }));
    const deferred = new PostQueue<PostItem>();
    const { outOfOrderShare, lateShare, malformedShare } = resolved;
    for (let second = startTime; second < endTime; second += 1000) {
      for (const { unit, reefer, delivery } of live) {
        const eventTime = second + unit.spec.phaseMs;
        if (eventTime >= endTime) continue;
        while (deferred.peekTime() < eventTime) yield deferred.pop() as PostItem;
        const reading = reefer.read(eventTime);
        const u = delivery.next();
        if (u < malformedShare) {
          yield { kind: 'malformed', ...malformedBody(reading, delivery) };
        } else if (u < malformedShare + lateShare) {
          const postAt = eventTime + delivery.int(LATE_DELAY_MS[0], LATE_DELAY_MS[1]);
          // Too close to the end to be overtaken by 3 min of the unit's own readings: posted in place.
          if (postAt <= unit.lastEventTime) deferred.push(postAt, { kind: 'reading', reading, late: true });
          else yield { kind: 'reading', reading, late: false };
        } else if (u < malformedShare + lateShare + outOfOrderShare) {
          deferred.push(eventTime + delivery.int(OUT_OF_ORDER_DELAY_MS[0], OUT_OF_ORDER_DELAY_MS[1]), { kind: 'reading', reading, late: false });
        } else {
          yield { kind: 'reading', reading, late: false };
        }
      }
    }
    while (deferred.size > 0) yield deferred.pop() as PostItem;
  }

  function flushPosts(): PostItem[] {
    return units.map(({ spec }): PostItem => {
      const reading: SensorReading = {
        containerId: spec.containerId,
        eventTime: new Date(flushTime),
        temperatureC: spec.setpointC,
        humidityPct: CARGO_PROFILES[spec.cargoClass].humidityPct,
        coolingPowerKw: CARGO_PROFILES[spec.cargoClass].idleKw,
        doorOpen: false,
        gForce: 1,
        gps: null,
      };
      return { kind: 'reading', reading, late: false };
    });
  }

  return {
    options: resolved,
    references,
    containers: units.map((unit) => unit.container),
    posts: () => ({ [Symbol.iterator]: posts }),
    flushPosts,
    endTime,
    flushTime,
  };
}

/**
 * Label for training: has the unit's compressor failed by `time + horizonMs`?
 * True from `horizonMs` before failsAt onwards, including after the failure
 * (a failed unit is at risk by definition); use {@link hasFailed} to leave
 * failed units out of a training set.
 */
export function failsWithin(container: Pick<SimulatedContainer, 'failsAt'>, time: number, horizonMs: number): boolean {
  return container.failsAt !== null && container.failsAt <= time + horizonMs;
}

/** True when the unit's compressor has failed at or before `time`. */
export function hasFailed(container: Pick<SimulatedContainer, 'failsAt'>, time: number): boolean {
  return container.failsAt !== null && container.failsAt <= time;
}
