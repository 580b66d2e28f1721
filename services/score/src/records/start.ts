/**
 * SCORE_MODE=records at start: the input and output schemas are the latest
 * registered under `<INPUT_TOPIC>-value` and `<SCORES_TOPIC>-value`, the
 * output schema is checked against the input one (records/schema-check.ts),
 * and the serdes read and write with them. The FEATURES paths are then
 * checked against the input schema's numeric paths when the model loads.
 * The code is the same for every pipeline; only the configuration, the
 * registered schemas and the model differ.
 */
import { avroSerde, type AvroSchema, type AvroSerde, type RegistryClient } from '@tributary/avro';
import { ConfigError } from '@tributary/streams';
import { numericPaths } from '../features/numeric-paths.js';
import type { OutputBuilder } from '../output/output-builder.js';
import { recordOutput, type GenericRecord } from './record-output.js';
import { planRecordOutput, type RecordOutputPlan } from './schema-check.js';

export interface RecordsConfig {
  readonly INPUT_TOPIC: string;
  readonly SCORES_TOPIC: string;
}

export interface PreparedRecords {
  /** The input record's numeric paths: what FEATURES may read. */
  readonly numericPaths: ReadonlySet<string>;
  readonly plan: RecordOutputPlan;
  readonly output: OutputBuilder<GenericRecord, GenericRecord>;
  readonly serdes: { readonly input: AvroSerde<GenericRecord>; readonly output: AvroSerde<GenericRecord> };
  /** Subject and version of the schemas in use, for the start log. */
  readonly schemas: { readonly input: string; readonly output: string };
  /** The output schema, for a shadow topic's serde (`shadowSerde`). */
  readonly outputSchema: AvroSchema;
}

async function latestSchema(registry: RegistryClient, variable: string, topic: string): Promise<{ schema: AvroSchema; name: string }> {
  const subject = `${topic}-value`;
  const latest = await registry.latest(subject);
  if (latest === undefined) throw new ConfigError(`${variable}=${JSON.stringify(topic)}: no schema is registered under subject ${subject} (register it: npm run schemas -- register)`);
  return { schema: JSON.parse(latest.schema) as AvroSchema, name: `subject ${subject} v${latest.version}` };
}

/** Reads the schemas, checks them (ConfigError otherwise) and prepares the serdes and the output builder. */
export async function prepareRecords(config: RecordsConfig, registry: RegistryClient): Promise<PreparedRecords> {
  const input = await latestSchema(registry, 'INPUT_TOPIC', config.INPUT_TOPIC);
  const output = await latestSchema(registry, 'SCORES_TOPIC', config.SCORES_TOPIC);
  const plan = planRecordOutput({ inputSchema: input.schema, inputName: input.name, outputSchema: output.schema, outputName: output.name });
  const inputSerde = avroSerde<GenericRecord>(input.schema, { registry });
  // The output schema is the registered one: look it up, never register another version of it.
  const outputSerde = avroSerde<GenericRecord>(output.schema, { registry, autoRegister: false });
  await outputSerde.prepare(config.SCORES_TOPIC);
  return {
    numericPaths: numericPaths(input.schema),
    plan,
    output: recordOutput(plan),
    serdes: { input: inputSerde, output: outputSerde },
    schemas: { input: input.name, output: output.name },
    outputSchema: output.schema,
  };
}

/**
 * The serde of the shadow scores' topic: the output schema, registered under
 * `<shadow topic>-value` on first use when SCHEMA_AUTO_REGISTER (else looked
 * up there); prepared now, so a missing schema fails the start.
 */
export async function shadowSerde(prepared: PreparedRecords, registry: RegistryClient, topic: string, autoRegister: boolean): Promise<AvroSerde<GenericRecord>> {
  const serde = avroSerde<GenericRecord>(prepared.outputSchema, { registry, autoRegister });
  await serde.prepare(topic);
  return serde;
}
