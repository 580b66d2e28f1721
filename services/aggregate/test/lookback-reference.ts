import { expect } from 'vitest';
import type { EnrichedPayment } from '@tributary/schemas';

/**
 * The look-back features written naively from their definition, for tests:
 * for the i-th arrival, scan every payment of its card that arrived before
 * it (and itself) and keep those whose event time lies in [t − range, t].
 * A payment more than `graceMs` behind the latest event time its card had
 * when it arrived is late: no output, and it is in no later frame (the
 * operator dead-letters it). Returns one entry per arrival: the features,
 * or `late`.
 */
export interface ReferenceFeature {
  readonly name: string;
  readonly fn: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'distinct' | 'distance';
  readonly field?: keyof EnrichedPayment;
  /** ms, or 'last' (distance). */
  readonly range: number | 'last';
}

export type ReferenceResult = Record<string, number | null> | 'late';

/** Great-circle distance by the Vincenty (atan2) form of the central angle, on the same sphere as the operator (6371.0088 km). */
export function greatCircleKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180;
  const [p1, p2, dl] = [lat1 * r, lat2 * r, (lon2 - lon1) * r];
  const y = Math.hypot(Math.cos(p2) * Math.sin(dl), Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl));
  const x = Math.sin(p1) * Math.sin(p2) + Math.cos(p1) * Math.cos(p2) * Math.cos(dl);
  return 6371.0088 * Math.atan2(y, x);
}

export function referenceFeatures(arrivals: readonly EnrichedPayment[], features: readonly ReferenceFeature[], graceMs: number): ReferenceResult[] {
  const accepted: { p: EnrichedPayment; arrival: number }[] = [];
  return arrivals.map((p, arrival) => {
    const t = p.eventTime.getTime();
    const earlier = accepted.filter((a) => a.p.cardId === p.cardId);
    const latest = Math.max(-Infinity, ...earlier.map((a) => a.p.eventTime.getTime()));
    if (t < latest - graceMs) return 'late';
    const out: Record<string, number | null> = {};
    for (const f of features) {
      if (f.fn === 'distance') {
        let previous: { p: EnrichedPayment; arrival: number } | undefined;
        for (const a of earlier) {
          const ta = a.p.eventTime.getTime();
          if (ta > t || a.p.lat === null || a.p.lon === null) continue;
          if (previous === undefined || ta > previous.p.eventTime.getTime() || (ta === previous.p.eventTime.getTime() && a.arrival > previous.arrival)) previous = a;
        }
        const inRange = previous !== undefined && (f.range === 'last' || previous.p.eventTime.getTime() >= t - f.range);
        out[f.name] =
          p.lat === null || p.lon === null || previous === undefined || !inRange
            ? null
            : greatCircleKm(previous.p.lat as number, previous.p.lon as number, p.lat, p.lon);
        continue;
      }
      const range = f.range as number;
      const frame = [...earlier.map((a) => a.p), p].filter((q) => q.eventTime.getTime() >= t - range && q.eventTime.getTime() <= t);
      const values = f.field === undefined ? [] : frame.map((q) => q[f.field as keyof EnrichedPayment]).filter((v) => v !== null);
      const numbers = values as number[];
      out[f.name] =
        f.fn === 'count'
          ? frame.length
          : f.fn === 'distinct'
            ? new Set(values).size
            : f.fn === 'sum'
              ? numbers.reduce((s, v) => s + v, 0)
              : numbers.length === 0
                ? null
                : f.fn === 'avg'
                  ? numbers.reduce((s, v) => s + v, 0) / numbers.length
                  : f.fn === 'min'
                    ? Math.min(...numbers)
                    : Math.max(...numbers);
    }
    accepted.push({ p, arrival });
    return out;
  });
}

/** Counts, distinct counts, min and max exactly; sums, means and distances to 1e-9 relative (summation order differs). */
export function expectFeaturesClose(actual: Record<string, unknown>, expected: Record<string, number | null>, features: readonly ReferenceFeature[], what: string): void {
  for (const f of features) {
    const a = actual[f.name] as number | null;
    const e = expected[f.name] as number | null;
    if (e === null || a === null || ['count', 'distinct', 'min', 'max'].includes(f.fn)) expect(a, `${what} ${f.name}`).toBe(e);
    else expect(Math.abs(a - e), `${what} ${f.name}: ${a} vs ${e}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(e)));
  }
}
