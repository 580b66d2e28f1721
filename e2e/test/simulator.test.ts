import { avroType, JsonValidator, schemaOf } from '@tributary/avro';
import { ContainerReferenceSchema, SensorReadingSchema, type SensorReading } from '@tributary/schemas';
import { ConfigError } from '@tributary/streams';
import { describe, expect, it } from 'vitest';
import { checkDigit, failsWithin, hasFailed, isValidContainerId, simulateFleet, toJson, type FleetOptions, type PostItem } from '../src/simulator/index.js';

const START = Date.UTC(2025, 5, 1, 8, 0);
const HOUR = 3_600_000;
const small: FleetOptions = { seed: 11, containers: 12, startTime: START, durationMs: 10 * 60_000 };

function digest(items: Iterable<PostItem>): string[] {
  return [...items].map((item) => JSON.stringify(item.kind === 'reading' ? { ...toJson(item.reading), late: item.late } : item));
}

describe('simulateFleet: determinism', () => {
  it('the same seed gives the same containers, references and posts; posts() can be iterated again', () => {
    const a = simulateFleet(small);
    const b = simulateFleet(small);
    expect(b.containers).toEqual(a.containers);
    expect(b.references).toEqual(a.references);
    const first = digest(a.posts());
    expect(digest(b.posts())).toEqual(first);
    expect(digest(a.posts())).toEqual(first);
    expect(b.flushPosts()).toEqual(a.flushPosts());
  });

  it('another seed gives other containers and other readings', () => {
    const a = simulateFleet(small);
    const b = simulateFleet({ ...small, seed: 12 });
    expect(b.containers.map((c) => c.containerId)).not.toEqual(a.containers.map((c) => c.containerId));
    const temperatures = (fleet: typeof a) => [...fleet.posts()].flatMap((p) => (p.kind === 'reading' ? [p.reading.temperatureC] : []));
    expect(temperatures(b)).not.toEqual(temperatures(a));
  });

  it('changing a delivery share leaves every reading the same', () => {
    const readings = (options: FleetOptions) =>
      [...simulateFleet(options).posts()]
        .flatMap((p) => (p.kind === 'reading' ? [toJson(p.reading)] : []))
        .sort((x, y) => x.eventTime - y.eventTime || (x.containerId < y.containerId ? -1 : 1));
    const clean = readings({ ...small, outOfOrderShare: 0, lateShare: 0, malformedShare: 0 });
    const shuffled = readings({ ...small, outOfOrderShare: 0.2, lateShare: 0.02, malformedShare: 0 });
    expect(shuffled).toEqual(clean);
  });
});

describe('simulateFleet: containers and references', () => {
  it('container ids are unique ISO 6346 numbers with correct check digits', () => {
    const fleet = simulateFleet({ ...small, containers: 500, durationMs: 1000 });
    const ids = fleet.containers.map((c) => c.containerId);
    expect(new Set(ids).size).toBe(500);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Z]{3}U\d{7}$/);
      expect(isValidContainerId(id)).toBe(true);
    }
  });

  it('checkDigit matches published examples and isValidContainerId rejects a wrong digit', () => {
    expect(checkDigit('CSQU305438')).toBe(3); // ISO 6346's own example: CSQU 305438 3
    // By hand: M24·1 + S30·2 + K21·4 + U32·8 + 9·16 + 0·32 + 7·64 + 0·128 + 3·256 + 2·512 = 2808 = 255·11 + 3.
    expect(checkDigit('MSKU907032')).toBe(3);
    // A10·1 + B12·2 + C13·4 + U32·8 + 1·16 + 2·32 + 3·64 + 4·128 + 5·256 + 6·512 = 5478 = 498·11 + 0.
    expect(checkDigit('ABCU123456')).toBe(0);
    expect(isValidContainerId('CSQU3054383')).toBe(true);
    expect(isValidContainerId('CSQU3054384')).toBe(false);
    expect(isValidContainerId('CSQU305438')).toBe(false);
  });

  it('failing and unreferenced counts follow the shares; references exist exactly for referenced containers and are valid Avro', () => {
    const fleet = simulateFleet({ ...small, containers: 40, failingShare: 0.25, unreferencedShare: 0.1, durationMs: HOUR });
    expect(fleet.containers.filter((c) => c.failsAt !== null)).toHaveLength(10);
    expect(fleet.containers.filter((c) => !c.referenced)).toHaveLength(4);
    expect(fleet.references.map((r) => r.containerId)).toEqual(fleet.containers.filter((c) => c.referenced).map((c) => c.containerId));
    const type = avroType(schemaOf(ContainerReferenceSchema));
    for (const reference of fleet.references) {
      expect(type.isValid(reference)).toBe(true);
      const container = fleet.containers.find((c) => c.containerId === reference.containerId);
      expect(reference).toMatchObject({ cargoClass: container?.cargoClass, setpointC: container?.setpointC, toleranceC: container?.toleranceC });
      expect(reference.updatedAt.getTime()).toBeLessThan(START);
    }
    for (const c of fleet.containers.filter((x) => x.failsAt !== null)) {
      expect(c.failsAt).toBeGreaterThanOrEqual(START + 0.3 * HOUR);
      expect(c.failsAt).toBeLessThanOrEqual(START + 1.2 * HOUR);
      expect((c.failsAt as number) - (c.degradesFrom as number)).toBeGreaterThanOrEqual(HOUR);
      expect((c.failsAt as number) - (c.degradesFrom as number)).toBeLessThanOrEqual(4 * HOUR);
    }
  });

  it('refuses options that cannot make a fleet, naming the option', () => {
    expect(() => simulateFleet({ ...small, startTime: START + 1000 })).toThrow(/startTime.*aligned to a minute/);
    expect(() => simulateFleet({ ...small, containers: 0 })).toThrow(ConfigError);
    expect(() => simulateFleet({ ...small, lateShare: 1.5 })).toThrow(/lateShare/);
    expect(() => simulateFleet({ ...small, outOfOrderShare: 0.6, malformedShare: 0.6 })).toThrow(/at most 1/);
  });
});

describe('simulateFleet: what is posted', () => {
  const fleet = simulateFleet({ seed: 5, containers: 20, startTime: START, durationMs: 30 * 60_000, outOfOrderShare: 0.05, lateShare: 0.01, malformedShare: 0.01 });
  const posts = [...fleet.posts()];
  const readings = posts.flatMap((p) => (p.kind === 'reading' ? [p] : []));

  it('one reading per container per second, all within [startTime, endTime), each second exactly once', () => {
    const malformed = posts.length - readings.length;
    expect(posts.length).toBe(20 * 30 * 60);
    const seen = new Set(readings.map((p) => `${p.reading.containerId}@${p.reading.eventTime.getTime()}`));
    expect(seen.size).toBe(readings.length);
    expect(readings.length + malformed).toBe(20 * 1800);
    for (const { reading } of readings) {
      expect(reading.eventTime.getTime()).toBeGreaterThanOrEqual(START);
      expect(reading.eventTime.getTime()).toBeLessThan(fleet.endTime);
    }
    expect(fleet.endTime).toBe(START + 30 * 60_000);
  });

  it('out-of-order readings trail newer ones by at most 5 s; late readings by at least 3 min, overtaken by their own container', () => {
    let anyMax = -Infinity;
    const ownMax = new Map<string, number>();
    let outOfOrder = 0;
    let late = 0;
    for (const { reading, late: isLate } of readings) {
      const t = reading.eventTime.getTime();
      const own = ownMax.get(reading.containerId) ?? -Infinity;
      if (isLate) {
        late++;
        expect(own - t).toBeGreaterThanOrEqual(180_000);
        expect(anyMax - t).toBeLessThanOrEqual(360_000);
      } else {
        expect(anyMax - t).toBeLessThanOrEqual(5_000);
        if (own > t) outOfOrder++;
      }
      ownMax.set(reading.containerId, Math.max(own, t));
      anyMax = Math.max(anyMax, t);
    }
    // Shares: 5 % out of order (~1800), 1 % late (~360, minus those too close to the end to be overtaken).
    expect(outOfOrder).toBeGreaterThan(1400);
    expect(outOfOrder).toBeLessThan(2200);
    expect(late).toBeGreaterThan(200);
    expect(late).toBeLessThan(450);
  });

  it('every malformed body fails validation against SensorReading, and every reading passes it as toJson', () => {
    const validator = new JsonValidator(SensorReadingSchema);
    const problems = new Set<string>();
    for (const post of posts) {
      if (post.kind === 'malformed') {
        problems.add(post.problem);
        const result = validator.validate(JSON.parse(JSON.stringify(post.body)));
        expect(result.ok, post.problem).toBe(false);
      } else {
        const result = validator.validate(JSON.parse(JSON.stringify(toJson(post.reading))));
        expect(result).toEqual({ ok: true, value: post.reading });
      }
    }
    expect(posts.length - readings.length).toBeGreaterThan(250);
    expect(problems.size).toBeGreaterThanOrEqual(7);
  });

  it('flushPosts: one valid reading per container at endTime + grace + 2 min', () => {
    const flush = fleet.flushPosts();
    expect(fleet.flushTime).toBe(fleet.endTime + 30_000 + 120_000);
    expect(flush.map((p) => (p.kind === 'reading' ? p.reading.containerId : ''))).toEqual(fleet.containers.map((c) => c.containerId));
    const validator = new JsonValidator(SensorReadingSchema);
    for (const post of flush) {
      if (post.kind !== 'reading') throw new Error('flush posts are readings');
      expect(post.reading.eventTime.getTime()).toBe(fleet.flushTime);
      expect(post.late).toBe(false);
      expect(validator.validate(toJson(post.reading)).ok).toBe(true);
    }
  });

  it('toJson: epoch-ms eventTime and gps as a nested object or null', () => {
    const withFix = readings.find((p) => p.reading.gps !== null)?.reading as SensorReading;
    const json = toJson(withFix);
    expect(json.eventTime).toBe(withFix.eventTime.getTime());
    expect(json.gps).toEqual(withFix.gps);
    const noFix = readings.find((p) => p.reading.gps === null)?.reading as SensorReading;
    expect(toJson(noFix).gps).toBeNull();
  });
});

describe('failsWithin / hasFailed', () => {
  const unit = { failsAt: 10 * HOUR };
  it('labels a unit from horizon before failure onwards; healthy units never', () => {
    expect(failsWithin(unit, 10 * HOUR - 30 * 60_000 - 1, 30 * 60_000)).toBe(false);
    expect(failsWithin(unit, 10 * HOUR - 30 * 60_000, 30 * 60_000)).toBe(true);
    expect(failsWithin(unit, 11 * HOUR, 30 * 60_000)).toBe(true);
    expect(failsWithin({ failsAt: null }, 11 * HOUR, 30 * 60_000)).toBe(false);
    expect(hasFailed(unit, 10 * HOUR - 1)).toBe(false);
    expect(hasFailed(unit, 10 * HOUR)).toBe(true);
  });
});
