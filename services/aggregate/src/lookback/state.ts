/**
 * The per-key state of AGGREGATE_MODE=lookback and the features of one event.
 *
 * A key's state holds its events within `longest range + grace` of the
 * greatest event time seen for it, sorted by (event time, arrival), each
 * with the values of the fields the features read. An event's features are
 * computed over the events already seen plus itself, those with event time
 * in `[t − range, t]` (SQL's RANGE BETWEEN range PRECEDING AND CURRENT ROW):
 * an earlier-arrived event with a later event time is outside every range.
 *
 * Every update returns new objects: the store keeps values by reference and
 * rolls a failed record back by restoring the previous one.
 */
import type { LookbackFeature } from './features.js';

export type FieldValue = number | string | null;

/** `[eventTime, arrival, ...values of LookbackState.cols]`. */
export type StoredEvent = readonly [number, number, ...FieldValue[]];

export interface LookbackState {
  /** The fields each event carries, in order (a restored state written under other features is remapped by name). */
  readonly cols: readonly string[];
  /** Greatest event time seen for the key. */
  readonly maxT: number;
  /** Arrival counter: the next event's arrival number. */
  readonly seq: number;
  /** Events with event time ≥ maxT − longest − grace, sorted by (event time, arrival). */
  readonly events: readonly StoredEvent[];
  /**
   * Per distance field pair (`lat,lon`), the greatest evicted event with a
   * position: the previous location of an event whose retained predecessors
   * have none (distance `:last`).
   */
  readonly anchors: Readonly<Record<string, StoredEvent>>;
}

export type FeatureValues = Record<string, number | null>;

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in km between two WGS 84 positions in degrees (haversine, mean Earth radius 6371.0088 km). */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** The fields the features read, each once, in first-use order. */
export function columnsOf(features: readonly LookbackFeature[]): string[] {
  return [...new Set(features.flatMap((f) => f.fields))];
}

const pairKey = (f: LookbackFeature): string => f.fields.join(',');

/** (t, arrival) order. */
const before = (a: StoredEvent, b: StoredEvent): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

function located(e: StoredEvent, latAt: number, lonAt: number): boolean {
  return typeof e[latAt] === 'number' && typeof e[lonAt] === 'number';
}

/** A state restored under other columns, with its events' values moved to `cols` by name (absent ones null). */
export function remap(state: LookbackState, cols: readonly string[]): LookbackState {
  if (state.cols.length === cols.length && state.cols.every((c, i) => c === cols[i])) return state;
  const from = cols.map((c) => state.cols.indexOf(c));
  const move = (e: StoredEvent): StoredEvent => [e[0], e[1], ...from.map((i) => (i < 0 ? null : (e[2 + i] ?? null)))];
  return { ...state, cols, events: state.events.map(move), anchors: Object.fromEntries(Object.entries(state.anchors).map(([k, e]) => [k, move(e)])) };
}

/** What one event does to its key's state: the features it gets and the state after it. */
export interface LookbackStep {
  readonly features: FeatureValues;
  readonly state: LookbackState;
}

/**
 * Adds the event at `t` with `values` (in `cols` order) to `state` (undefined:
 * the key's first event), computes its features and evicts what no
 * accepted event can need any more: events older than
 * `maxT − longestMs − graceMs`. The caller has rejected events older than
 * `maxT − graceMs` (see `isLate`).
 */
export function step(
  state: LookbackState | undefined,
  features: readonly LookbackFeature[],
  cols: readonly string[],
  t: number,
  values: readonly FieldValue[],
  longestMs: number,
  graceMs: number,
): LookbackStep {
  const current = state === undefined ? { cols, maxT: t, seq: 0, events: [], anchors: {} } : remap(state, cols);
  const event: StoredEvent = [t, current.seq, ...values];
  let at = current.events.length;
  while (at > 0 && before(event, current.events[at - 1] as StoredEvent)) at--;
  const events = [...current.events.slice(0, at), event, ...current.events.slice(at)];

  const out: FeatureValues = {};
  for (const f of features) out[f.name] = feature(f, cols, events, current.anchors, event);

  const maxT = Math.max(current.maxT, t);
  const horizon = maxT - longestMs - graceMs;
  const keep = events.filter((e) => e[0] >= horizon);
  const anchors: Record<string, StoredEvent> = { ...current.anchors };
  if (keep.length < events.length) {
    for (const f of features) {
      if (f.fn !== 'distance') continue;
      const latAt = 2 + cols.indexOf(f.fields[0] as string);
      const lonAt = 2 + cols.indexOf(f.fields[1] as string);
      for (const e of events) {
        if (e[0] >= horizon || !located(e, latAt, lonAt)) continue;
        const anchor = anchors[pairKey(f)];
        if (anchor === undefined || before(anchor, e)) anchors[pairKey(f)] = e;
      }
    }
  }
  return { features: out, state: { cols, maxT, seq: current.seq + 1, events: keep, anchors } };
}

/** True when an event at `t` is too far behind its key's greatest event time for the retained events to cover its ranges. */
export function isLate(state: LookbackState | undefined, t: number, graceMs: number): boolean {
  return state !== undefined && t < state.maxT - graceMs;
}

function feature(f: LookbackFeature, cols: readonly string[], events: readonly StoredEvent[], anchors: LookbackState['anchors'], event: StoredEvent): number | null {
  const t = event[0];
  const from = f.range === 'last' ? Number.NEGATIVE_INFINITY : t - f.range;
  if (f.fn === 'distance') {
    const latAt = 2 + cols.indexOf(f.fields[0] as string);
    const lonAt = 2 + cols.indexOf(f.fields[1] as string);
    if (!located(event, latAt, lonAt)) return null;
    // The previous located event: the greatest (t, arrival) at or before t among the others.
    let previous: StoredEvent | undefined = anchors[pairKey(f)];
    for (const e of events) {
      if (e === event || e[0] > t || !located(e, latAt, lonAt)) continue;
      if (previous === undefined || before(previous, e)) previous = e;
    }
    if (previous === undefined || previous[0] < from) return null;
    return haversineKm(previous[latAt] as number, previous[lonAt] as number, event[latAt] as number, event[lonAt] as number);
  }
  const valueAt = f.fn === 'count' ? -1 : 2 + cols.indexOf(f.fields[0] as string);
  let n = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const distinct = new Set<FieldValue>();
  for (const e of events) {
    if (e[0] < from || e[0] > t) continue;
    if (f.fn === 'count') {
      n++;
      continue;
    }
    const v = e[valueAt] ?? null;
    if (v === null) continue;
    n++;
    if (f.fn === 'distinct') distinct.add(v);
    else {
      const x = v as number;
      sum += x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  switch (f.fn) {
    case 'count':
      return n;
    case 'distinct':
      return distinct.size;
    case 'sum':
      return sum;
    case 'avg':
      return n === 0 ? null : sum / n;
    case 'min':
      return n === 0 ? null : min;
    default:
      return n === 0 ? null : max;
  }
}
