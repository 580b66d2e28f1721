/**
 * The Avro schemas of `npm run bench -- compare`, shared by the Tributary
 * side (in-process serde) and the Kafka Streams side (written to files the
 * Java app parses). Plain schemas: no generated types, no repository schema.
 */
import type { AvroSchema } from '@tributary/avro';

/** One input reading: keyed by `k<n>`; `ts` is the event time the windows topology uses. */
export interface BenchReading {
  readonly id: number;
  readonly sensor: string;
  readonly value: number;
  readonly ts: Date;
}

/** The stateless topology's output: the input plus `valueF = value * 1.8 + 32`. */
export interface BenchReadingOut extends BenchReading {
  readonly valueF: number;
}

/** One closed tumbling window's aggregate. */
export interface WindowStats {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

const NAMESPACE = 'io.tributary.bench';

const readingFields = [
  { name: 'id', type: 'long' },
  { name: 'sensor', type: 'string' },
  { name: 'value', type: 'double' },
  { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
] as const;

export const BENCH_READING_SCHEMA = { type: 'record', name: 'BenchReading', namespace: NAMESPACE, fields: readingFields } as unknown as AvroSchema;

export const BENCH_READING_OUT_SCHEMA = {
  type: 'record',
  name: 'BenchReadingOut',
  namespace: NAMESPACE,
  fields: [...readingFields, { name: 'valueF', type: 'double' }],
} as unknown as AvroSchema;

export const WINDOW_STATS_SCHEMA = {
  type: 'record',
  name: 'WindowStats',
  namespace: NAMESPACE,
  fields: [
    { name: 'count', type: 'long' },
    { name: 'sum', type: 'double' },
    { name: 'min', type: 'double' },
    { name: 'max', type: 'double' },
  ],
} as unknown as AvroSchema;

/** The same transform on both sides (Java: `value * 1.8 + 32` in doubles, bit-identical). */
export const toFahrenheit = (r: BenchReading): BenchReadingOut => ({ ...r, valueF: r.value * 1.8 + 32 });
