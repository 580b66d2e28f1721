import { describe, expect, it } from 'vitest';
import { expectedWindows } from '../src/oracle/index.js';
import { simulateFleet } from '../src/simulator/index.js';

describe('expectedWindows on a simulated fleet', () => {
  const fleet = simulateFleet({ seed: 9, containers: 20, startTime: Date.UTC(2025, 5, 1, 8, 0), durationMs: 20 * 60_000, unreferencedShare: 0.1, outOfOrderShare: 0.05, lateShare: 0.01, malformedShare: 0.01 });
  const posts = [...fleet.posts()];
  const expected = expectedWindows(fleet);

  it('the late readings are exactly those the simulator flagged late', () => {
    const flagged = posts.flatMap((p) => (p.kind === 'reading' && p.late ? [p.reading] : []));
    expect(flagged.length).toBeGreaterThan(0);
    expect(expected.late).toEqual(flagged);
  });

  it('one window per container and minute; reading counts add up to the on-time readings', () => {
    expect(expected.aggregates).toHaveLength(20 * 20);
    const onTime = posts.filter((p) => p.kind === 'reading' && !p.late).length;
    expect(expected.aggregates.reduce((n, a) => n + a.readingCount, 0)).toBe(onTime);
    expect(expected.malformed).toBe(posts.filter((p) => p.kind === 'malformed').length);
    for (const a of expected.aggregates) {
      expect(a.readingCount).toBeLessThanOrEqual(60);
      expect(a.windowEnd.getTime() - a.windowStart.getTime()).toBe(60_000);
      expect(a.windowEnd.getTime()).toBeLessThanOrEqual(fleet.endTime);
    }
  });

  it('unreferenced containers: null cargo fields, and every one of their readings counted as unmatched', () => {
    const unreferenced = new Set(fleet.containers.filter((c) => !c.referenced).map((c) => c.containerId));
    expect(unreferenced.size).toBe(2);
    for (const a of expected.aggregates) {
      const container = fleet.containers.find((c) => c.containerId === a.containerId);
      if (unreferenced.has(a.containerId)) expect([a.cargoClass, a.setpointC]).toEqual([null, null]);
      else expect([a.cargoClass, a.setpointC]).toEqual([container?.cargoClass, container?.setpointC]);
    }
    const unmatched = posts.filter((p) => p.kind === 'reading' && unreferenced.has(p.reading.containerId)).length;
    expect(expected.unmatchedReadings).toBe(unmatched);
  });

  it('with a grace longer than the delays, nothing is late and every reading is in a window', () => {
    const relaxed = expectedWindows(fleet, { graceMs: 10 * 60_000 });
    expect(relaxed.late).toEqual([]);
    expect(relaxed.aggregates.reduce((n, a) => n + a.readingCount, 0)).toBe(posts.filter((p) => p.kind === 'reading').length);
  });
});
