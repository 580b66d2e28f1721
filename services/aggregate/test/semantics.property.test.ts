/**
 * The operator against the brief's "Aggregate semantics" computed from the
 * whole window (reference-aggregate.ts), on random windows: any number of
 * readings, whole-second or arbitrary-ms event times (with ties), any arrival
 * order, matched and unmatched readings — through the topology in the driver
 * and through a JSON round trip of the state mid-window (what a changelog
 * restore does).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CargoClass, EnrichedReading, WindowAggregate } from '@tributary/schemas';
import { addReading, emptyWindowState, toWindowAggregate, type WindowState } from '../src/index.js';
import { MINUTE, T0, reading, startDriver } from './fixtures.js';
import { expectClose, referenceAggregate } from './reference-aggregate.js';

const cargo = fc.constantFrom<[CargoClass | null, number | null]>(['FROZEN', -18], ['CHILLED', 2], ['PHARMA', 5], [null, null]);
const eventOffset = fc.oneof(
  fc.integer({ min: 0, max: 59 }).map((s) => s * 1000), // the simulator's whole seconds: many ties
  fc.integer({ min: 0, max: MINUTE - 1 }),
);
const arbitraryReading = fc
  .record({
    offset: eventOffset,
    temperatureC: fc.double({ min: -30, max: 30, noNaN: true }),
    humidityPct: fc.double({ min: 0, max: 100, noNaN: true }),
    coolingPowerKw: fc.double({ min: 0, max: 12, noNaN: true }),
    doorOpen: fc.boolean(),
    gForce: fc.double({ min: 0, max: 8, noNaN: true }),
    cargo,
  })
  .map(({ offset, cargo: [cargoClass, setpointC], ...values }) =>
    reading('MSKU1', offset, { ...values, cargoClass, setpointC, matched: cargoClass !== null, toleranceC: null, deviationC: null }),
  );

describe('aggregate semantics (property)', () => {
  it('the final record of a window equals the reference computed from all its readings, in any arrival order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbitraryReading, { minLength: 1, maxLength: 60 }), async (readings) => {
        const t = startDriver();
        try {
          for (const r of readings) await t.send(r);
          await t.send(reading('OTHER', 90_000)); // closes [T0, T0+1m) on this partition
          const out = t.output.readValuesToList();
          expect(out).toHaveLength(1);
          expectClose(out[0] as WindowAggregate, referenceAggregate('MSKU1', T0, MINUTE, readings));
        } finally {
          t.driver.close();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the state survives a JSON round trip at any point (changelog restore) with the same result', () => {
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
        expect(toWindowAggregate('MSKU1', window, state)).toEqual(toWindowAggregate('MSKU1', window, direct));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps the state compact: one door-timeline entry per distinct event time, nothing else grows', () => {
    let state = emptyWindowState();
    const readings: EnrichedReading[] = [];
    for (let s = 0; s < 60; s++) for (let copy = 0; copy < 3; copy++) readings.push(reading('MSKU1', s * 1000, { doorOpen: copy === 1 }));
    for (const r of readings) state = addReading(state, r, T0);
    expect(state.n).toBe(180);
    expect(state.door).toHaveLength(60);
    expect(JSON.stringify(state).length).toBeLessThan(2_000);
  });
});
