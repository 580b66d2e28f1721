/**
 * Property: for random event streams (out of order, several keys, gaps), the
 * final results of every window type equal those of a brute-force reference
 * written here from the documented semantics alone — not from the operators'
 * code: which records are late is decided from the watermark after each
 * record, and each window's content from the records that reached it before
 * it closed.
 */
import { hopping, json, session, sliding, string, tumbling, windowedSerde, type StreamsBuilder } from '@tributary/streams';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drive } from './helpers.js';

interface Event {
  readonly key: string;
  readonly t: number;
  readonly v: number;
}
type Spec =
  | { readonly type: 'tumbling'; readonly size: number }
  | { readonly type: 'hopping'; readonly size: number; readonly advance: number }
  | { readonly type: 'sliding'; readonly d: number }
  | { readonly type: 'session'; readonly gap: number };
interface Case {
  readonly spec: Spec;
  readonly grace: number;
  readonly ooo: number;
  readonly events: readonly Event[];
}

const FLUSH: Event = { key: 'zz-flush', t: 1_000_000, v: -1 };
const S = { key: string(), value: json<number>() };
const OUT = { key: windowedSerde(string()), value: json<number[]>() };

const id = (key: string, start: number, end: number): string => `${key}|${start}|${end}`;
const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);

/** Brute force: final results by window id, and how many records were late. */
function reference(c: Case): { results: Map<string, number[]>; late: number } {
  const events = [...c.events, FLUSH];
  const wm: number[] = [];
  let max = -1;
  for (const e of events) {
    max = Math.max(max, e.t);
    wm.push(max - c.ooo);
  }
  const closeIndex = (closeAt: number): number => wm.findIndex((w) => w >= closeAt);
  const results = new Map<string, number[]>();
  let late = 0;
  const { spec, grace } = c;

  if (spec.type === 'tumbling' || spec.type === 'hopping') {
    const size = spec.size;
    const advance = spec.type === 'hopping' ? spec.advance : spec.size;
    const content = new Map<string, { end: number; values: number[] }>();
    events.forEach((e, i) => {
      let open = 0;
      for (let start = 0; start <= e.t; start += advance) {
        if (start + size <= e.t) continue;
        if (start + size + grace <= (wm[i] ?? 0)) continue;
        open += 1;
        const w = id(e.key, start, start + size);
        const entry = content.get(w) ?? { end: start + size, values: [] };
        entry.values.push(e.v);
        content.set(w, entry);
      }
      if (open === 0) late += 1;
    });
    for (const [w, { end, values }] of content) if (closeIndex(end + grace) >= 0) results.set(w, sorted(values));
  } else if (spec.type === 'session') {
    const accepted = events.filter((e, i) => {
      const ok = e.t + grace >= (wm[i] ?? 0);
      if (!ok) late += 1;
      return ok;
    });
    for (const key of new Set(accepted.map((e) => e.key))) {
      const mine = accepted.filter((e) => e.key === key).sort((a, b) => a.t - b.t);
      let cluster: Event[] = [];
      const flush = (): void => {
        const first = cluster[0];
        const last = cluster[cluster.length - 1];
        if (first === undefined || last === undefined) return;
        if (closeIndex(last.t + 1 + spec.gap + grace) >= 0) results.set(id(key, first.t, last.t + 1), sorted(cluster.map((e) => e.v)));
      };
      for (const e of mine) {
        const last = cluster[cluster.length - 1];
        if (last !== undefined && e.t - last.t > spec.gap) {
          flush();
          cluster = [];
        }
        cluster.push(e);
      }
      flush();
    }
  } else {
    const d = spec.d;
    const acceptedAt = new Map<number, Event>();
    events.forEach((e, i) => {
      if (e.t + d + 1 + grace <= (wm[i] ?? 0)) late += 1;
      else acceptedAt.set(i, e);
    });
    const candidates = new Map<string, { key: string; start: number; end: number }>();
    for (const e of acceptedAt.values()) {
      for (const [start, end] of [
        [Math.max(0, e.t - d), e.t + 1],
        [e.t + 1, e.t + d + 2],
      ] as const) {
        candidates.set(id(e.key, start, end), { key: e.key, start, end });
      }
    }
    for (const [w, { key, start, end }] of candidates) {
      const k = closeIndex(end + grace);
      if (k < 0) continue;
      const present = [...acceptedAt].filter(([i, e]) => i < k && e.key === key).map(([, e]) => e);
      const at = (t: number): boolean => present.some((e) => e.t === t);
      const inside = present.filter((e) => e.t >= start && e.t < end);
      const isLeft = at(end - 1) && start === Math.max(0, end - 1 - d);
      const isRight = at(start - 1) && end === start + d + 1 && inside.length > 0;
      if (isLeft || isRight) results.set(w, sorted(inside.map((e) => e.v)));
    }
  }
  for (const w of [...results.keys()]) if (w.startsWith(`${FLUSH.key}|`)) results.delete(w);
  return { results, late };
}

function build(c: Case, emit: 'final' | 'update' = 'final'): (b: StreamsBuilder) => void {
  return (b) => {
    const grouped = b.stream('in', S).groupByKey();
    const options = { store: 'w', emit, outOfOrderness: c.ooo };
    const add = (_k: string, v: number, agg: number[]): number[] => [...agg, v];
    const { spec } = c;
    const table =
      spec.type === 'session'
        ? grouped.windowedBy(session(spec.gap).grace(c.grace)).aggregate<number[]>(() => [], add, (_k, a, z) => [...a, ...z], options)
        : grouped
            .windowedBy(
              spec.type === 'tumbling'
                ? tumbling(spec.size).grace(c.grace)
                : spec.type === 'hopping'
                  ? hopping(spec.size, spec.advance).grace(c.grace)
                  : sliding(spec.d).grace(c.grace),
            )
            .aggregate<number[]>(() => [], add, options);
    table.toStream().to('out', OUT);
  };
}

const specArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.record({ type: fc.constant('tumbling' as const), size: fc.integer({ min: 1, max: 60 }) }),
  fc
    .tuple(fc.integer({ min: 2, max: 60 }), fc.integer({ min: 1, max: 60 }))
    .map(([size, a]): Spec => ({ type: 'hopping', size, advance: 1 + (a % size) })),
  fc.record({ type: fc.constant('sliding' as const), d: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ type: fc.constant('session' as const), gap: fc.integer({ min: 1, max: 30 }) }),
);
const caseArb: fc.Arbitrary<Case> = fc.record({
  spec: specArb,
  grace: fc.integer({ min: 0, max: 30 }),
  ooo: fc.integer({ min: 0, max: 20 }),
  events: fc.array(
    fc.record({ key: fc.constantFrom('a', 'b', 'c'), t: fc.integer({ min: 0, max: 300 }), v: fc.integer({ min: 0, max: 999 }) }),
    { maxLength: 60 },
  ),
});

describe('windows: final results equal a brute-force reference', () => {
  it('for random out-of-order streams over tumbling, hopping, sliding and session windows', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const d = drive(build(c));
        const input = d.createInputTopic('in', S);
        for (const e of [...c.events, FLUSH]) await input.pipeInput(e.key, e.v, e.t);
        const emitted = d.createOutputTopic('out', OUT).readKeyValuesToList();
        const actual = new Map<string, number[]>();
        for (const [k, values] of emitted) {
          const w = id(k.key, k.window.start, k.window.end);
          // Exactly one final result per window.
          expect(actual.has(w), `window ${w} emitted twice`).toBe(false);
          actual.set(w, sorted(values));
        }
        for (const w of [...actual.keys()]) if (w.startsWith(`${FLUSH.key}|`)) actual.delete(w);
        const expected = reference(c);
        expect(actual).toEqual(expected.results);
        expect(d.unreadRecords('test-app.late')).toHaveLength(expected.late);
        d.close();
      }),
      { numRuns: 300 },
    );
  });
});

describe('windows: update mode converges to the final results', () => {
  it('the last update of every window equals its final result; merged-away sessions end retracted', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const d = drive(build(c, 'update'));
        const input = d.createInputTopic('in', S);
        for (const e of [...c.events, FLUSH]) await input.pipeInput(e.key, e.v, e.t);
        const last = new Map<string, number[] | null>();
        for (const r of d.createOutputTopic('out', { key: OUT.key, value: json<number[] | null>() }).readRecordsToList()) {
          if (r.key.key === FLUSH.key) continue;
          last.set(id(r.key.key, r.key.window.start, r.key.window.end), r.value === null ? null : sorted(r.value));
        }
        const live = new Map([...last].filter((entry): entry is [string, number[]] => entry[1] !== null));
        expect(live).toEqual(reference(c).results);
        d.close();
      }),
      { numRuns: 200 },
    );
  });
});
