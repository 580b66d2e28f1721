/**
 * One refrigerated container's sensors, one reading per second.
 *
 * The model is a small heat balance integrated each second:
 *
 *   dT/dt = k_leak·(T_ambient − T) + k_door·(T_ambient − T)·[door open] − capacity·[compressor on]
 *
 * A thermostat with hysteresis switches the compressor (so power cycles with
 * a duty cycle that rises with the ambient temperature); the day/night
 * ambient swing therefore shows in both temperature and power. Humidity
 * relaxes to the cargo's level, drops while the evaporator runs and moves to
 * the outside air while the door is open. When the outside is colder than
 * the setpoint (a 15 °C box in a northern winter) the unit heats instead.
 *
 * A failing unit degrades over the hours before `failsAt`: its cooling
 * capacity falls (longer on-phases, higher duty), the compressor draws more
 * and noisier power, and the return-air temperature creeps above setpoint
 * (an icing evaporator moves less air); once capacity falls below the heat
 * leaking in, the box cannot hold its setpoint at all.
 * In the last hour (never before degradation starts) the worn motor
 * overheats and its thermal overload protector makes it short-cycle: it
 * runs for a while, trips, rests, and restarts with an inrush surge; the runs
 * shorten and the rests lengthen as failure nears, so the cooling it still
 * delivers falls below the heat leaking in and the box warms steadily.
 * At `failsAt` the compressor stops for good: power collapses to the fans
 * and the temperature climbs towards ambient.
 */
import type { CargoClass, SensorReading } from '@tributary/schemas';
import { CARGO_PROFILES, type CargoProfile } from './cargo.js';
import { Random } from './random.js';
import { ambientC, type Trip } from './route.js';

/** Everything fixed about one container for a run. */
export interface ReeferSpec {
  readonly containerId: string;
  readonly cargoClass: CargoClass;
  readonly setpointC: number;
  /** Epoch ms of compressor failure, or null for a healthy unit. */
  readonly failsAt: number | null;
  /** Epoch ms at which degradation starts (null for a healthy unit). */
  readonly degradesFrom: number | null;
  /** Offset of this device's readings within each second, ms (0–999). */
  readonly phaseMs: number;
  /** Seed of this unit's own generator, so each unit's signals do not depend on the others. */
  readonly seed: number;
  readonly trip: Trip;
  /** Unit-to-unit spread of electrical draw (≈ 0.9–1.1). */
  readonly powerFactor: number;
  /** Unit-to-unit spread of cooling capacity (≈ 0.9–1.1). */
  readonly capacityFactor: number;
  /** Door openings per second (Poisson rate). */
  readonly doorRatePerS: number;
  /** Transport shocks per second (Poisson rate). */
  readonly shockRatePerS: number;
  /** Offset of this unit's surroundings from the route's ambient (deck vs hold, sun), °C. */
  readonly ambientOffsetC: number;
  /** Whether the GPS receiver reports its accuracy (some do not: accuracyM null). */
  readonly gpsReportsAccuracy: boolean;
}

/** Heat leaking through the walls, per second per °C of difference (time constant ≈ 2.8 h). */
const K_LEAK = 1e-4;
/** Air exchange through an open door, per second per °C of difference (time constant ≈ 33 min: the cargo holds the cold). */
const K_DOOR = 5e-4;
/** Electric heaters (used when the outside is colder than the setpoint): draw, kW, and warming rate, °C per second. */
const HEATER_KW = 1.8;
const HEATER_C_PER_S = 0.004;
/** Start-up surge of the compressor motor: this factor for the first seconds of an on-phase. */
const INRUSH_FACTOR = 1.6;
const INRUSH_SECONDS = 2;

/** How long before `failsAt` a failing compressor short-cycles on its overload protector, ms. */
export const SHORT_CYCLING_MS = 60 * 60_000;
/** Run and rest of one short cycle at the onset of short-cycling and at failure, seconds. */
const SHORT_CYCLE_RUN_S: readonly [onset: number, end: number] = [45, 12];
const SHORT_CYCLE_REST_S: readonly [onset: number, end: number] = [15, 40];

/**
 * The overload protector's cycle at `time`: how long the motor runs before
 * it trips, and how long it then rests before it restarts; null when it
 * does not trip (a healthy unit, before the last hour or before degradation
 * starts, after failure). Deterministic: it draws no random numbers.
 */
export function shortCycle(spec: Pick<ReeferSpec, 'failsAt' | 'degradesFrom'>, time: number): { readonly runS: number; readonly restS: number } | null {
  if (spec.failsAt === null || spec.degradesFrom === null || time >= spec.failsAt) return null;
  const onset = Math.max(spec.degradesFrom, spec.failsAt - SHORT_CYCLING_MS);
  if (time < onset) return null;
  const x = (time - onset) / (spec.failsAt - onset);
  return {
    runS: Math.round(SHORT_CYCLE_RUN_S[0] + (SHORT_CYCLE_RUN_S[1] - SHORT_CYCLE_RUN_S[0]) * x),
    restS: Math.round(SHORT_CYCLE_REST_S[0] + (SHORT_CYCLE_REST_S[1] - SHORT_CYCLE_REST_S[0]) * x),
  };
}

/** How far a failing unit has degraded at `time`: 0 healthy … 1 at failure; accelerating (power 1.5). */
export function degradation(spec: Pick<ReeferSpec, 'failsAt' | 'degradesFrom'>, time: number): number {
  if (spec.failsAt === null || spec.degradesFrom === null || time <= spec.degradesFrom) return 0;
  if (time >= spec.failsAt) return 1;
  return ((time - spec.degradesFrom) / (spec.failsAt - spec.degradesFrom)) ** 1.5;
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;
const round2 = (value: number) => Math.round(value * 100) / 100;
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/**
 * The state of one unit; `read(eventTime)` advances it by one second and
 * returns the reading taken at `eventTime`. Call it with eventTimes one
 * second apart, in order.
 */
export class Reefer {
  private readonly random: Random;
  private readonly profile: CargoProfile;
  private readonly startTime: number;
  private airC: number;
  private humidityPct: number;
  private compressorOn: boolean;
  private heaterOn = false;
  /** Seconds the compressor motor has been running without a stop. */
  private onForS = 0;
  /** Seconds left before a tripped overload protector lets the motor restart. */
  private trippedForS = 0;
  private doorOpenForS = 0;
  private shockForS = 0;
  private shockG = 0;
  private readonly humidityTargetPct: number;

  constructor(
    readonly spec: ReeferSpec,
    startTime: number,
  ) {
    this.random = new Random(spec.seed);
    this.profile = CARGO_PROFILES[spec.cargoClass];
    this.startTime = startTime;
    this.airC = spec.setpointC + this.random.uniform(-0.5, 0.5) * this.profile.bandC;
    this.compressorOn = this.random.chance(0.35);
    this.humidityTargetPct = clamp(this.profile.humidityPct + this.random.uniform(-3, 3), 5, 98);
    this.humidityPct = this.humidityTargetPct;
  }

  /**
   * Every second draws the same random numbers in the same order whatever
   * the unit's wear, compressor or heater state, so a failing unit and its
   * healthy twin (same seed, failingShare 0) see the same doors, shocks and
   * noise: only the physics differs.
   */
  read(eventTime: number): SensorReading {
    const { spec, profile, random } = this;
    const position = spec.trip.positionAt((eventTime - this.startTime) / 1000);
    const outsideC = ambientC(spec.trip.route, eventTime, position.longitudeDeg) + spec.ambientOffsetC;
    // Warmer air holds more water: outside relative humidity falls as the afternoon warms up.
    const outsideHumidityPct = clamp(72 - 1.8 * (outsideC - spec.trip.route.ambientMeanC), 20, 100);
    const wear = degradation(spec, eventTime);
    const failed = spec.failsAt !== null && eventTime >= spec.failsAt;

    // Door: a Poisson process of openings lasting 30–300 s.
    if (this.doorOpenForS > 0) this.doorOpenForS--;
    else if (random.chance(spec.doorRatePerS)) this.doorOpenForS = random.int(30, 300);
    const doorOpen = this.doorOpenForS > 0;

    // Thermostat with hysteresis around the setpoint (on supply air, which the controller keeps in band).
    const centreC = spec.setpointC;
    const half = profile.bandC / 2;
    if (failed) this.compressorOn = false;
    else if (!this.compressorOn && this.airC > centreC + half) this.compressorOn = true;
    else if (this.compressorOn && this.airC < centreC - half) this.compressorOn = false;
    // The thermostat calls for cooling; a worn motor that has run its spell trips and rests before it may restart.
    if (this.trippedForS > 0) this.trippedForS--;
    const cycle = shortCycle(spec, eventTime);
    if (cycle !== null && this.compressorOn && this.onForS >= cycle.runS) this.trippedForS = cycle.restS;
    const running = this.compressorOn && this.trippedForS === 0;
    this.onForS = running ? this.onForS + 1 : 0;
    // Heaters start only well below the band (a cooling overshoot never triggers them) and stop at the centre.
    if (!this.heaterOn && !this.compressorOn && this.airC < centreC - profile.bandC) this.heaterOn = true;
    else if (this.heaterOn && this.airC > centreC) this.heaterOn = false;

    // Heat balance over one second.
    const capacity = profile.pullDownCPerS * spec.capacityFactor * (1 - 0.6 * wear);
    this.airC += K_LEAK * (outsideC - this.airC) + (doorOpen ? K_DOOR * (outsideC - this.airC) : 0) - (running ? capacity : 0) + (this.heaterOn ? HEATER_C_PER_S : 0);

    // Humidity: back to the cargo's level, dried by a running evaporator, pulled outside through an open door.
    this.humidityPct +=
      (this.humidityTargetPct - this.humidityPct) / 600 - (running ? 0.004 : 0) + (doorOpen ? 0.01 * (outsideHumidityPct - this.humidityPct) : 0);

    // Power: the compressor works harder in hot air; a worn one draws more and less steadily.
    let powerKw: number;
    if (running) {
      const ambientFactor = 1 + 0.015 * (outsideC - 25);
      const inrush = this.onForS <= INRUSH_SECONDS ? INRUSH_FACTOR : 1;
      powerKw = profile.compressorKw * spec.powerFactor * ambientFactor * inrush * (1 + 0.35 * wear) + random.normal(0, 0.05 + 0.35 * wear);
    } else {
      powerKw = (profile.idleKw * (failed ? 0.9 : 1) + (this.heaterOn ? HEATER_KW : 0)) * spec.powerFactor + random.normal(0, 0.02);
    }

    // Shocks: a spike of 1.5–8 g lasting one or two readings, over a vibration floor that depends on how the box travels.
    if (this.shockForS > 0) this.shockForS--;
    else if (random.chance(spec.shockRatePerS)) {
      this.shockForS = random.int(1, 2);
      this.shockG = Math.min(8, 1.5 + -Math.log(1 - random.next()) * 0.9);
    }
    const vibration = !position.moving ? 0.01 : spec.trip.route.mode === 'road' ? 0.06 : spec.trip.route.mode === 'rail' ? 0.05 : 0.02;
    const gForce = this.shockForS > 0 ? this.shockG * random.uniform(0.85, 1) : 1 + Math.abs(random.normal(0, vibration));

    // GPS: about one reading in a hundred has no fix; the fix scatters by its accuracy.
    let gps: SensorReading['gps'] = null;
    if (!random.chance(0.01)) {
      const accuracyM = random.uniform(2.5, 12);
      const metresPerDegLat = 111_320;
      const latitudeDeg = position.latitudeDeg + random.normal(0, accuracyM / 2) / metresPerDegLat;
      const longitudeDeg = position.longitudeDeg + random.normal(0, accuracyM / 2) / (metresPerDegLat * Math.cos((position.latitudeDeg * Math.PI) / 180));
      gps = { latitudeDeg: round6(latitudeDeg), longitudeDeg: round6(longitudeDeg), accuracyM: spec.gpsReportsAccuracy ? Math.round(accuracyM * 10) / 10 : null };
    }

    return {
      containerId: spec.containerId,
      eventTime: new Date(eventTime),
      // Return air, as the sensor reads it: a worn unit's icing evaporator moves less air, so the return air runs warm.
      temperatureC: round2(this.airC + wear * Math.min(1.5, 0.8 * profile.toleranceC) + random.normal(0, 0.04)),
      humidityPct: Math.round(clamp(this.humidityPct + random.normal(0, 0.4), 0, 100) * 10) / 10,
      coolingPowerKw: Math.round(Math.max(0, powerKw) * 1000) / 1000,
      doorOpen,
      gForce: round2(gForce),
      gps,
    };
  }
}
