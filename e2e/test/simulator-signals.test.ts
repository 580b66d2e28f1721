import type { CargoClass, SensorReading } from '@tributary/schemas';
import { describe, expect, it } from 'vitest';
import { CARGO_PROFILES, simulateFleet, type FleetOptions, type SimulatedContainer } from '../src/simulator/index.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Only the signals: nothing displaced or replaced. */
const clean = { outOfOrderShare: 0, lateShare: 0, malformedShare: 0 } as const;

function readingsOf(options: FleetOptions): SensorReading[] {
  return [...simulateFleet(options).posts()].flatMap((p) => (p.kind === 'reading' ? [p.reading] : []));
}

const quantile = (values: readonly number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
};
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('signals of healthy units', () => {
  const options: FleetOptions = { seed: 3, containers: 40, startTime: Date.UTC(2025, 2, 10, 0, 0), durationMs: 2 * HOUR, failingShare: 0, ...clean };
  const fleet = simulateFleet(options);
  const byId = new Map(fleet.containers.map((c) => [c.containerId, c]));
  const readings = readingsOf(options);

  it('temperature is held at the setpoint of each cargo class (median within 0.5 °C, 80 % within tolerance)', () => {
    const deviations = new Map<CargoClass, number[]>();
    for (const r of readings) {
      const c = byId.get(r.containerId) as SimulatedContainer;
      let list = deviations.get(c.cargoClass);
      if (list === undefined) deviations.set(c.cargoClass, (list = []));
      list.push(r.temperatureC - c.setpointC);
    }
    expect([...deviations.keys()].sort()).toEqual(['CHILLED', 'FROZEN', 'OTHER', 'PHARMA', 'PRODUCE']);
    for (const [cargoClass, list] of deviations) {
      const tolerance = CARGO_PROFILES[cargoClass].toleranceC;
      expect(Math.abs(quantile(list, 0.5)), cargoClass).toBeLessThan(0.5);
      expect(quantile(list, 0.1), cargoClass).toBeGreaterThan(-tolerance);
      expect(quantile(list, 0.9), cargoClass).toBeLessThan(tolerance);
    }
    for (const c of fleet.containers) {
      const setpoints: Record<CargoClass, [number, number]> = { FROZEN: [-25, -18], CHILLED: [2, 4], PHARMA: [5, 5], PRODUCE: [8, 12], OTHER: [15, 15] };
      const [low, high] = setpoints[c.cargoClass];
      expect(c.setpointC).toBeGreaterThanOrEqual(low);
      expect(c.setpointC).toBeLessThanOrEqual(high);
    }
  });

  it('cooling power cycles between the fans and the running compressor', () => {
    for (const c of fleet.containers.filter((x) => x.cargoClass === 'FROZEN')) {
      const power = readings.filter((r) => r.containerId === c.containerId).map((r) => r.coolingPowerKw);
      const idle = CARGO_PROFILES.FROZEN.idleKw;
      const running = power.filter((p) => p > idle + 1).length / power.length;
      expect(quantile(power, 0.1), c.containerId).toBeLessThan(idle * 1.3);
      expect(quantile(power, 0.9), c.containerId).toBeGreaterThan(CARGO_PROFILES.FROZEN.compressorKw * 0.6);
      expect(running, `${c.containerId} duty cycle`).toBeGreaterThan(0.1);
      expect(running, `${c.containerId} duty cycle`).toBeLessThan(0.9);
    }
  });

  it('every measure stays in its physical range', () => {
    const range = (values: readonly number[]): [number, number] => {
      let low = Infinity;
      let high = -Infinity;
      for (const v of values) [low, high] = [Math.min(low, v), Math.max(high, v)];
      return [low, high];
    };
    const [humidityLow, humidityHigh] = range(readings.map((r) => r.humidityPct));
    const [powerLow, powerHigh] = range(readings.map((r) => r.coolingPowerKw));
    const [gLow, gHigh] = range(readings.map((r) => r.gForce));
    const fixes = readings.flatMap((r) => (r.gps === null ? [] : [r.gps]));
    expect(humidityLow).toBeGreaterThanOrEqual(0);
    expect(humidityHigh).toBeLessThanOrEqual(100);
    expect(powerLow).toBeGreaterThanOrEqual(0);
    expect(powerHigh).toBeLessThan(12);
    expect(gLow).toBeGreaterThanOrEqual(0.9);
    expect(gHigh).toBeLessThanOrEqual(8);
    expect(fixes.every((g) => Math.abs(g.latitudeDeg) <= 90 && Math.abs(g.longitudeDeg) <= 180)).toBe(true);
  });

  it('doors open a few times an hour for 30–300 s, and the air warms while they are open', () => {
    const runs: number[] = [];
    let warmedUp = 0;
    // Boxes colder than any air outside (a 15 °C box in a cool night would cool down with the door open).
    for (const c of fleet.containers.filter((x) => x.cargoClass === 'FROZEN' || x.cargoClass === 'CHILLED')) {
      const own = readings.filter((r) => r.containerId === c.containerId);
      let length = 0;
      let openedAt = 0;
      own.forEach((r, i) => {
        if (r.doorOpen) {
          if (length === 0) openedAt = i;
          length++;
        } else if (length > 0) {
          // Runs cut by the start of the run are not whole openings.
          if (openedAt > 0) {
            runs.push(length);
            const before = mean(own.slice(Math.max(0, openedAt - 5), openedAt).map((x) => x.temperatureC));
            if ((own[i - 1] as SensorReading).temperatureC > before) warmedUp++;
          }
          length = 0;
        }
      });
    }
    expect(Math.min(...runs)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...runs)).toBeLessThanOrEqual(300);
    const perHour = runs.length / fleet.containers.filter((x) => x.cargoClass === 'FROZEN' || x.cargoClass === 'CHILLED').length / 2;
    expect(perHour).toBeGreaterThan(0.5);
    expect(perHour).toBeLessThan(3);
    expect(warmedUp / runs.length).toBeGreaterThan(0.9);
  });

  it('transport shocks: rare g-force spikes above a vibration floor near 1 g', () => {
    const shocks = readings.filter((r) => r.gForce >= 1.5).length / readings.length;
    expect(shocks).toBeGreaterThan(0.0003);
    expect(shocks).toBeLessThan(0.01);
    expect(quantile(readings.map((r) => r.gForce), 0.5)).toBeLessThan(1.1);
  });

  it('GPS moves along a lane at sea, road or rail speed; about 1 % of readings have no fix', () => {
    const kmPerDegree = 111.32;
    const speeds: number[] = [];
    for (const c of fleet.containers) {
      const fixes = readings.filter((r) => r.containerId === c.containerId && r.gps !== null).map((r) => r.gps as NonNullable<SensorReading['gps']>);
      const first = fixes[0] as (typeof fixes)[number];
      const last = fixes[fixes.length - 1] as (typeof fixes)[number];
      const dLat = (last.latitudeDeg - first.latitudeDeg) * kmPerDegree;
      const dLon = (last.longitudeDeg - first.longitudeDeg) * kmPerDegree * Math.cos((first.latitudeDeg * Math.PI) / 180);
      speeds.push(Math.hypot(dLat, dLon) / 2);
    }
    // Straight-line speed over 2 h: at most the fastest leg (85 km/h); most boxes are well under way.
    expect(Math.max(...speeds)).toBeLessThan(90);
    expect(quantile(speeds, 0.5)).toBeGreaterThan(20);
    const noFix = readings.filter((r) => r.gps === null).length / readings.length;
    expect(noFix).toBeGreaterThan(0.005);
    expect(noFix).toBeLessThan(0.02);
  });
});

describe('day and night', () => {
  it('the compressor works harder in the local afternoon than before dawn', () => {
    const start = Date.UTC(2025, 6, 1, 0, 0);
    const readings = readingsOf({ seed: 8, containers: 8, startTime: start, durationMs: 24 * HOUR, failingShare: 0, ...clean });
    const afternoon: number[] = [];
    const night: number[] = [];
    for (const r of readings) {
      if (r.gps === null || r.doorOpen) continue;
      const localHour = (((r.eventTime.getTime() / HOUR + r.gps.longitudeDeg / 15) % 24) + 24) % 24;
      if (localHour >= 13 && localHour < 17) afternoon.push(r.coolingPowerKw);
      else if (localHour >= 1 && localHour < 5) night.push(r.coolingPowerKw);
    }
    expect(mean(afternoon)).toBeGreaterThan(mean(night) * 1.1);
  }, 60_000);
});

describe('compressor failure, against the healthy twin', () => {
  // The same seed with failingShare 0 is the same fleet with no unit wearing out.
  const base: FleetOptions = {
    seed: 21,
    containers: 40,
    startTime: Date.UTC(2025, 2, 10, 0, 0),
    durationMs: 4 * HOUR,
    failsAtRange: [0.75, 0.75],
    degradationMs: [2 * HOUR, 2 * HOUR],
    ...clean,
  };
  const sick = simulateFleet({ ...base, failingShare: 0.3 });
  const sickReadings = readingsOf({ ...base, failingShare: 0.3 });
  const twinReadings = readingsOf({ ...base, failingShare: 0 });
  const failing = sick.containers.filter((c) => c.failsAt !== null);
  const pairs = (c: SimulatedContainer, from: number, to: number) => {
    const out: { sick: SensorReading; twin: SensorReading }[] = [];
    sickReadings.forEach((r, i) => {
      const t = r.eventTime.getTime();
      if (r.containerId === c.containerId && t >= from && t < to) out.push({ sick: r, twin: twinReadings[i] as SensorReading });
    });
    return out;
  };

  it('the twins share doors and shocks; before degradation they are identical', () => {
    expect(failing).toHaveLength(12);
    for (const c of failing) {
      const all = pairs(c, base.startTime, base.startTime + base.durationMs);
      expect(all.filter((p) => p.sick.doorOpen !== p.twin.doorOpen || p.sick.gForce !== p.twin.gForce), c.containerId).toEqual([]);
      const healthy = all.filter((p) => p.sick.eventTime.getTime() <= (c.degradesFrom as number));
      expect(healthy.map((p) => p.sick)).toEqual(healthy.map((p) => p.twin));
    }
  });

  it('in the half hour before failsAt: the compressor short-cycles, draws more and noisier power while it runs; warmer return air', () => {
    let compressorUnits = 0;
    for (const c of failing) {
      const failsAt = c.failsAt as number;
      const window = pairs(c, failsAt - 30 * MINUTE, failsAt);
      const twinPower = mean(window.map((p) => p.twin.coolingPowerKw));
      expect(mean(window.map((p) => p.sick.temperatureC - p.twin.temperatureC)), c.containerId).toBeGreaterThan(0.3);
      // Units whose compressor runs at all (not heating, not colder outside).
      if (twinPower > CARGO_PROFILES[c.cargoClass].idleKw + 0.3) {
        compressorUnits++;
        const running = (pick: (p: (typeof window)[number]) => SensorReading) => window.map((p) => pick(p).coolingPowerKw > CARGO_PROFILES[c.cargoClass].idleKw + 1);
        const starts = (on: boolean[]) => on.filter((x, i) => x && i > 0 && !on[i - 1]).length;
        const runningPower = (pick: (p: (typeof window)[number]) => SensorReading, on: boolean[]) => mean(window.filter((_, i) => on[i]).map((p) => pick(p).coolingPowerKw));
        const sickOn = running((p) => p.sick);
        const twinOn = running((p) => p.twin);
        // The overload protector trips and restarts it again and again: many more starts than the twin's thermostat cycles.
        expect(starts(sickOn), c.containerId).toBeGreaterThan(2 * starts(twinOn) + 5);
        // A worn compressor draws more while it runs.
        expect(runningPower((p) => p.sick, sickOn), c.containerId).toBeGreaterThan(runningPower((p) => p.twin, twinOn) * 1.1);
      }
      // Noise: second-to-second change of power while the compressor has been running for a few seconds.
      const jitter = (pick: (p: (typeof window)[number]) => SensorReading) => {
        const diffs: number[] = [];
        for (let i = 3; i < window.length; i++) {
          const recent = [0, 1, 2, 3].map((k) => pick(window[i - k] as (typeof window)[number]).coolingPowerKw);
          if (recent.every((p) => p > CARGO_PROFILES[c.cargoClass].compressorKw * 0.7)) diffs.push(((recent[0] as number) - (recent[1] as number)) ** 2);
        }
        return diffs.length < 30 ? undefined : Math.sqrt(mean(diffs));
      };
      const sickJitter = jitter((p) => p.sick);
      const twinJitter = jitter((p) => p.twin);
      if (sickJitter !== undefined && twinJitter !== undefined) expect(sickJitter, c.containerId).toBeGreaterThan(twinJitter * 2);
    }
    expect(compressorUnits).toBeGreaterThanOrEqual(8);
  });

  it('after failsAt: power collapses to the fans and the air warms towards ambient', () => {
    for (const c of failing) {
      const failsAt = c.failsAt as number;
      const profile = CARGO_PROFILES[c.cargoClass];
      const after = pairs(c, failsAt, failsAt + 30 * MINUTE);
      const twinPower = mean(after.map((p) => p.twin.coolingPowerKw));
      // Only the fans (and the heaters, which do not fail) draw power now.
      expect(Math.max(...after.map((p) => p.sick.coolingPowerKw)), c.containerId).toBeLessThan(profile.idleKw * 1.2 + 2 + 0.1);
      if (twinPower > profile.idleKw + 0.3) {
        expect(mean(after.map((p) => p.sick.coolingPowerKw)), c.containerId).toBeLessThan(twinPower);
        const early = mean(after.slice(0, 300).map((p) => p.sick.temperatureC));
        const late = mean(after.slice(-300).map((p) => p.sick.temperatureC));
        expect(late, c.containerId).toBeGreaterThan(early + 0.5);
      }
    }
  });
});
