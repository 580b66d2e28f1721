/**
 * The operator against the "Aggregate semantics" computed from the whole
 * window (reference-aggregate.ts), on random windows: any number of
 * readings, whole-second or arbitrary-ms event times (so many readings share
 * an event time: duplicates, with equal or different values), any arrival
 * order, matched and unmatched readings — through the topology in the driver
 * and through a JSON round trip of the state mid-window (what a changelog
 * restore does). One property checks de-duplication without the reference:
 * extra readings at an event time already seen change nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CargoClass, EnrichedReading, WindowAggregate } from '@tributary/schemas';
import { addReading, emptyWindowState, toWindowAggregate, type WindowState } from '../src/index.js';
import { MINUTE, T0, reading, startDriver } from './fixtures.js';
import { expectClose, referenceAggregate } from './reference-aggregate.js';

const cargo = fc.constantFrom<[CargoClass | null, number | null]>(['FROZEN', -18], ['CHILLED', 2], ['PHARMA', 5], [null, null]);
const eventOffset = fc.oneof(
  fc.integer({ min: 0, max: 59 }).map((s) => s * 1000), // the simulator's whole seconds: many duplicates
  fc.integer({ min: 0, max: MINUTE - 1 }),
);
const arbitraryValues = fc.record({
  temperatureC: fc.double({ min: -30, max: 30, noNaN: true }),
  humidityPct: fc.double({ min: 0, max: 100, noNaN: true }),
  coolingPowerKw: fc.double({ min: 0, max: 12, noNaN: true }),
  doorOpen: fc.boolean(),
  gForce: fc.double({ min: 0, max: 8, noNaN: true }),
  cargo,
});
type Values = typeof arbitraryValues extends fc.Arbitrary<infer V> ? V : never;
const readingOf = (offset: number, { cargo: [cargoClass, setpointC], ...values }: Values): EnrichedReading =>
  reading('MSKU1', offset, { ...values, cargoClass, setpointC, matched: cargoClass !== null, toleranceC: null, deviationC: null });
const arbitraryReading = fc.tuple(eventOffset, arbitraryValues).map(([offset, values]) => readingOf(offset, values));

/**
 * Readings with distinct event times in a random arrival order, and the same
 * with duplicates inserted: each an exact copy, or another reading (random
 * values), at the event time of a reading that arrived before it.
 */
const withDuplicates = fc
  .tuple(
    fc.uniqueArray(arbitraryReading, { minLength: 1, maxLength: 40, selector: (r) => r.eventTime.getTime() }),
    fc.array(fc.record({ of: fc.nat(), after: fc.nat(), copy: fc.boolean(), values: arbitraryValues }), { minLength: 1, maxLength: 40 }),
  )
  .map(([distinct, duplicates]) => {
    const arrivals = [...distinct];
    for (const d of duplicates) {
      const original = distinct[d.of % distinct.length] as EnrichedReading;
      const at = arrivals.indexOf(original);
      const duplicate = d.copy ? { ...original } : readingOf(original.eventTime.getTime() - T0, d.values);
      arrivals.splice(at + 1 + (d.after % (arrivals.length - at)), 0, duplicate);
    }
    return { distinct, arrivals };
  });

/** The one record the topology emits for [T0, T0 + 1 min) after these readings. */
async function finalAggregate(readings: readonly EnrichedReading[]): Promise<WindowAggregate> {
  const t = startDriver();
  try {
    for (const r of readings) await t.send(r);
    await t.send(reading('OTHER', 90_000)); // closes [T0, T0+1m) on this partition
    const out = t.output.readValuesToList();
    expect(out).toHaveLength(1);
    return out[0] as WindowAggregate;
  } finally {
    t.driver.close();
  }
}

describe('aggregate semantics (property)', () => {
  it('the final record of a window equals the reference computed from all its readings, in any arrival order, duplicates included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbitraryReading, { minLength: 1, maxLength: 60 }), async (readings) => {
        expectClose(await finalAggregate(readings), referenceAggregate('MSKU1', T0, MINUTE, readings));
      }),
      { numRuns: 150 },
    );
  });

  it('a reading at an event time the window already has is ignored, whatever its values: the result is that of the first readings alone', async () => {
    await fc.assert(
      fc.asyncProperty(withDuplicates, async ({ distinct, arrivals }) => {
        const once = await finalAggregate(distinct);
        expect(await finalAggregate(arrivals)).toEqual(once);
        expect(once.readingCount).toBe(distinct.length);
      }),
      { numRuns: 100 },
    );
  });

  it('the state survives a JSON round trip at any point (changelog restore) with the same result, duplicates after the cut included', () => {
    fc.assert(
      fc.property(fc.array(arbitraryReading, { minLength: 1, maxLength: 60 }), fc.nat(), (readings, cut) => {
        const at = cut % (readings.length + 1);
        let state = emptyWindowState();
        for (const r of readings.slice(0, at)) state = addReading(state, r, T0);
        state = JSON.parse(JSON.stringify(state)) as WindowState;
        for (const r of readings.slice(at)) state = addReading(state, r, T0);
        let direct = emptyWindowState();
        for (const r of readings) direct = addReading(direct, r, T0);
        const window = { start: T0, end: T0 + MINUTE };
        // Compared as JSON text: exact for every double except −0, which the JSON state keeps as 0 (a −0 °C reading is 0 °C).
        expect(JSON.stringify(toWindowAggregate('MSKU1', window, state))).toBe(JSON.stringify(toWindowAggregate('MSKU1', window, direct)));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the state compact: one door-timeline entry per distinct event time, nothing else grows; a duplicate returns the state as it was', () => {
    let state = emptyWindowState();
    for (let s = 0; s < 60; s++) {
      state = addReading(state, reading('MSKU1', s * 1000, { doorOpen: false }), T0);
      for (let copy = 0; copy < 2; copy++) {
        const before = state;
        state = addReading(state, reading('MSKU1', s * 1000, { doorOpen: true, temperatureC: 50 }), T0);
        expect(state).toBe(before);
      }
    }
    expect(state.n).toBe(60);
    expect(state.door).toHaveLength(60);
    expect(toWindowAggregate('MSKU1', { start: T0, end: T0 + MINUTE }, state)).toMatchObject({ doorOpenSeconds: 0, temperatureC: { max: -18 } });
    expect(JSON.stringify(state).length).toBeLessThan(2_000);
  });
});
