/**
 * ENRICH_MODE=join at start: the input, reference and output schemas are the
 * latest registered under `<INPUT_TOPIC>-value`, `<REFERENCE_TOPIC>-value`
 * and `<OUTPUT_TOPIC>-value`; JOIN_KEY_FIELD and JOIN_FIELDS are checked
 * against them, and the serdes read and write with them. The code is the
 * same for every pipeline; only the configuration and the registered
 * schemas differ.
 */
import { avroSerde, type AvroSchema, type RegistryClient } from '@tributary/avro';
import { ConfigError, type Topology } from '@tributary/streams';
import type { EnrichConfig } from '../config.js';
import { parseJoinFields, type JoinField } from './fields.js';
import { checkJoinSchemas } from './schema-check.js';
import { buildJoinTopology, type GenericRecord } from './topology.js';

export interface PreparedJoin {
  readonly topology: Topology;
  readonly fields: readonly JoinField[];
  /** Subject and version of the schemas in use, for the start log. */
  readonly schemas: { readonly input: string; readonly reference: string; readonly output: string };
}

async function latestSchema(registry: RegistryClient, variable: string, topic: string): Promise<{ schema: AvroSchema; name: string }> {
  const subject = `${topic}-value`;
  const latest = await registry.latest(subject);
  if (latest === undefined) throw new ConfigError(`${variable}=${JSON.stringify(topic)}: no schema is registered under subject ${subject} (register it: npm run schemas -- register)`);
  return { schema: JSON.parse(latest.schema) as AvroSchema, name: `subject ${subject} v${latest.version}` };
}

export interface PrepareJoinOptions {
  /** Called for each joined record (the joins metric). */
  readonly onJoin?: (matched: boolean) => void;
}

/** Reads the schemas, checks JOIN_KEY_FIELD and JOIN_FIELDS against them (ConfigError otherwise) and builds the topology. */
export async function prepareJoin(config: EnrichConfig, registry: RegistryClient, options: PrepareJoinOptions = {}): Promise<PreparedJoin> {
  if (config.JOIN_KEY_FIELD === undefined) throw new ConfigError('JOIN_KEY_FIELD is not set: ENRICH_MODE=join needs the input field looked up in the reference table');
  const keyField = config.JOIN_KEY_FIELD;
  const fields = parseJoinFields(config.JOIN_FIELDS ?? '');
  const input = await latestSchema(registry, 'INPUT_TOPIC', config.INPUT_TOPIC);
  const reference = await latestSchema(registry, 'REFERENCE_TOPIC', config.REFERENCE_TOPIC);
  const output = await latestSchema(registry, 'OUTPUT_TOPIC', config.OUTPUT_TOPIC);
  checkJoinSchemas({
    keyField,
    fields,
    inputSchema: input.schema,
    inputName: input.name,
    referenceSchema: reference.schema,
    referenceName: reference.name,
    outputSchema: output.schema,
    outputName: output.name,
  });
  // The output schema is the registered one: look it up, never register another.
  const outputSerde = avroSerde<GenericRecord>(output.schema, { registry, autoRegister: false });
  await outputSerde.prepare(config.OUTPUT_TOPIC);
  const topology = buildJoinTopology({
    serdes: { input: avroSerde<GenericRecord>(input.schema, { registry }), reference: avroSerde<GenericRecord>(reference.schema, { registry }), output: outputSerde },
    topics: { input: config.INPUT_TOPIC, reference: config.REFERENCE_TOPIC, output: config.OUTPUT_TOPIC },
    keyField,
    fields,
    unmatched: config.UNMATCHED,
    ...(options.onJoin === undefined ? {} : { onJoin: options.onJoin }),
  });
  return { topology, fields, schemas: { input: input.name, reference: reference.name, output: output.name } };
}
