/**
 * Bodies a buggy or misconfigured device might send: each is a reading's
 * JSON with one defect that schema validation must refuse (ingest answers
 * 400). No defect here is an unknown extra field, since an ingest configured
 * with `allowUnknownFields` would accept it.
 */
import type { SensorReading } from '@tributary/schemas';
import { toJson } from './json.js';
import type { Random } from './random.js';

interface Defect {
  readonly problem: string;
  /** Applies the defect to a fresh JSON body; returns false when it does not apply (e.g. no GPS fix to break). */
  readonly apply: (body: Record<string, unknown>) => boolean;
}

const DEFECTS: readonly Defect[] = [
  { problem: 'temperatureC is a string', apply: (b) => ((b.temperatureC = String(b.temperatureC)), true) },
  { problem: 'containerId is missing', apply: (b) => (delete b.containerId, true) },
  {
    problem: 'eventTime is a local time without a zone',
    apply: (b) => ((b.eventTime = new Date(b.eventTime as number).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')), true),
  },
  { problem: 'eventTime has fractional milliseconds', apply: (b) => ((b.eventTime = (b.eventTime as number) + 0.5), true) },
  { problem: 'humidityPct is null', apply: (b) => ((b.humidityPct = null), true) },
  { problem: 'doorOpen is a number', apply: (b) => ((b.doorOpen = b.doorOpen === true ? 1 : 0), true) },
  { problem: 'coolingPowerKw is missing', apply: (b) => (delete b.coolingPowerKw, true) },
  {
    problem: 'gps.latitudeDeg is a string',
    apply: (b) => {
      const gps = b.gps as Record<string, unknown> | null;
      if (gps === null) return false;
      gps.latitudeDeg = `${String(gps.latitudeDeg)}N`;
      return true;
    },
  },
];

/** The reading's body with one randomly chosen defect, and what is wrong with it. */
export function malformedBody(reading: SensorReading, random: Random): { body: unknown; problem: string } {
  for (;;) {
    const body = toJson(reading) as unknown as Record<string, unknown>;
    const defect = random.pick(DEFECTS);
    if (defect.apply(body)) return { body, problem: defect.problem };
  }
}
