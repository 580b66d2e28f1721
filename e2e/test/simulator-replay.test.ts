import { describe, expect, it } from 'vitest';
import { simulateFleet } from '../src/simulator/index.js';

describe('simulator replay', () => {
  it('posts() of one fleet yields the same sequence every time it is called (the oracle, the feeder and the tests each iterate it)', () => {
    // 15 minutes is enough for the faster road trips to cross a waypoint, which once made a second pass differ.
    const fleet = simulateFleet({ seed: 20261123, containers: 24, startTime: Date.UTC(2026, 0, 5, 6, 0), durationMs: 15 * 60_000 });
    const first = [...fleet.posts()].map((p) => JSON.stringify(p));
    const second = [...fleet.posts()].map((p) => JSON.stringify(p));
    expect(second.length).toBe(first.length);
    const differing = first.filter((p, i) => p !== second[i]).length;
    expect(differing).toBe(0);
  });
});
