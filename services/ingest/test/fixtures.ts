/** Readings as a client would send them (plain JSON), for the ingest tests. */
import { SensorReadingSchema } from '@tributary/schemas';
import type { TopicSchema } from '../src/topic-schema.js';

export function reading(containerId: string, i = 0): Record<string, unknown> {
  return {
    containerId,
    eventTime: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
    temperatureC: 4.5 + i / 100,
    humidityPct: 80,
    coolingPowerKw: 2.25,
    doorOpen: i % 7 === 0,
    gForce: 1,
    gps: i % 2 === 0 ? null : { latitudeDeg: 51.9, longitudeDeg: 4.1, accuracyM: null },
  };
}

/** The reading schema as if registered with `id`. */
export function readingSchema(id = 42): TopicSchema {
  return { subject: 'coldchain.readings-value', id, schema: SensorReadingSchema.schema, source: 'test' };
}
