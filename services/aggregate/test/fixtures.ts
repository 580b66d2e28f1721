import { EnrichedReadingSchema, WindowAggregateSchema, type EnrichedReading } from '@tributary/schemas';
import { bytes, string } from '@tributary/streams';
import { TopologyTestDriver, type TopologyTestDriverOptions } from '@tributary/testing';
import { buildTopology, DEFAULT_AGGREGATE_TOPICS, type AggregateSerdes, type AggregateTopologyOptions } from '../src/index.js';
import { avroBinarySerde } from './avro-binary-serde.js';

export const APP = 'coldchain-aggregate';

export const serdes: AggregateSerdes = {
  reading: avroBinarySerde(EnrichedReadingSchema),
  aggregate: avroBinarySerde(WindowAggregateSchema),
};

/** 2025-01-15T12:00:00Z: a window start (a multiple of 60,000 ms). */
export const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
export const MINUTE = 60_000;

/** A matched reading of `containerId` at T0 + `offsetMs`. */
export function reading(containerId: string, offsetMs: number, overrides: Partial<EnrichedReading> = {}): EnrichedReading {
  return {
    containerId,
    eventTime: new Date(T0 + offsetMs),
    temperatureC: -18,
    humidityPct: 80,
    coolingPowerKw: 3,
    doorOpen: false,
    gForce: 1,
    gps: null,
    matched: true,
    cargoClass: 'FROZEN',
    setpointC: -18,
    toleranceC: 1.5,
    deviationC: 0,
    ...overrides,
  };
}

/** A driver around the aggregate topology with the app id of production, so internal topics have their real names. */
export function startDriver(options: Partial<AggregateTopologyOptions> = {}, instrumentation?: TopologyTestDriverOptions['instrumentation']) {
  const driver = new TopologyTestDriver(buildTopology({ serdes, ...options }), {
    applicationId: APP,
    ...(instrumentation === undefined ? {} : { instrumentation }),
  });
  const topics = { ...DEFAULT_AGGREGATE_TOPICS, ...options.topics };
  const input = driver.createInputTopic(topics.input, { key: string(), value: serdes.reading });
  return {
    driver,
    /** Pipes a reading under its own containerId (record timestamp: the wall clock, unrelated to event time). */
    send: (r: EnrichedReading) => input.pipeInput(r.containerId, r),
    input,
    output: driver.createOutputTopic(topics.output, { key: string(), value: serdes.aggregate }),
    late: driver.createOutputTopic(`${APP}.late`, { key: string(), value: serdes.reading }),
    dlq: driver.createOutputTopic(`${APP}.dlq`, { key: bytes(), value: bytes() }),
  };
}
