/**
 * npm run model -- publish <model.onnx> [--metadata model.json (default: model.json beside it, if any)] [--url <url>] [--inline-max-bytes n] [--input-schema <file.avsc>] [--topic models] [--brokers host:port,…]
 * npm run model -- rollback <name> [--input-schema <file.avsc>] [--topic models] [--brokers …]
 * npm run model -- list [--topic models] [--brokers …]
 *
 * The topic defaults to MODELS_TOPIC (else `models`), the brokers to
 * KAFKA_BROKERS (TLS and SASL from the KAFKA_* variables, as the operators).
 * FEATURES, when set, is checked against the model as the operator would,
 * and the features' paths against `--input-schema` (the operators' input
 * record, e.g. schemas/fraud.payment-features-value.avsc for SCORE_MODE=records;
 * default: the WindowAggregate schema).
 * Exits 1 with the message when a model is refused or the broker fails.
 */
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { kafkaConfig, kafkaEnv, readConfig } from '@tributary/service';
import { errorMessage, kafkajs } from '@tributary/streams';
import type { AvroSchema } from '@tributary/avro';
import { numericPaths } from '../features/numeric-paths.js';
import { parseModelMetadata, type ModelMetadata } from '../model/model-metadata.js';
import { metadataPathFor } from '../model/onnx-scorer.js';
import { DEFAULT_INLINE_MAX_BYTES } from './model-envelope.js';
import { listModels, publishModel, rollbackModel } from './model-publisher.js';

const USAGE = `usage:
  npm run model -- publish <model.onnx> [--metadata model.json] [--url <url>] [--inline-max-bytes n] [--input-schema <file.avsc>] [--topic models] [--brokers host:port,…]
  npm run model -- rollback <name> [--input-schema <file.avsc>] [--topic models] [--brokers …]
  npm run model -- list [--topic models] [--brokers …]`;

/** `--metadata`, else `model.json` beside the model when there is one (else undefined: the metadata embedded in the file). */
async function readMetadata(path: string | undefined, modelPath: string): Promise<ModelMetadata | undefined> {
  const file = path ?? metadataPathFor(modelPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (path === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseModelMetadata(JSON.parse(text), file);
}

/** `--input-schema`: the numeric paths of the record schema in that .avsc file (what the model's features may read). */
async function readInputPaths(path: string): Promise<Set<string>> {
  let schema: unknown;
  try {
    schema = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new RangeError(`--input-schema ${path}: cannot read an Avro schema (JSON) there: ${(error as Error).message}`);
  }
  return numericPaths(schema as AvroSchema);
}

export async function runModelCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = console.log): Promise<void> {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      metadata: { type: 'string' },
      url: { type: 'string' },
      'inline-max-bytes': { type: 'string' },
      'input-schema': { type: 'string' },
      topic: { type: 'string' },
      brokers: { type: 'string' },
    },
  });
  const [command, arg] = positionals;
  const config = readConfig(kafkaEnv, { ...env, ...(values.brokers !== undefined ? { KAFKA_BROKERS: values.brokers } : {}) });
  const { Kafka, logLevel } = kafkajs();
  const kafka = new Kafka({ ...kafkaConfig(config, 'tributary-model-cli'), logLevel: logLevel.NOTHING });
  const topic = values.topic ?? env.MODELS_TOPIC ?? 'models';
  const features = env.FEATURES?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const inputPaths = values['input-schema'] === undefined ? undefined : await readInputPaths(values['input-schema']);
  if (command === 'publish' && arg !== undefined) {
    const bytes = await readFile(arg);
    const metadata = await readMetadata(values.metadata, arg);
    const inlineMaxBytes = values['inline-max-bytes'] === undefined ? DEFAULT_INLINE_MAX_BYTES : Number(values['inline-max-bytes']);
    if (!Number.isInteger(inlineMaxBytes) || inlineMaxBytes < 0) throw new RangeError(`--inline-max-bytes ${values['inline-max-bytes']}: expected a byte count`);
    const url = values.url === undefined ? undefined : /^[a-z]+:/.test(values.url) ? values.url : pathToFileURL(values.url).href;
    const e = await publishModel({ kafka, topic, bytes, metadata, features, numericPaths: inputPaths, inlineMaxBytes, url, source: arg });
    out(`published ${e.name} ${e.version} (${e.size} bytes, sha256 ${e.sha256}, ${e.source.kind === 'inline' ? 'inline' : e.source.url}) to ${topic}`);
  } else if (command === 'rollback' && arg !== undefined) {
    const e = await rollbackModel({ kafka, topic, features, numericPaths: inputPaths }, arg);
    out(`rolled ${e.name} back from ${e.rollbackOf ?? '?'} to ${e.version} (sha256 ${e.sha256}) on ${topic}`);
  } else if (command === 'list') {
    const { live, history } = await listModels({ kafka, topic });
    for (const e of live.values()) out(`live     ${e.name} ${e.version} published ${e.publishedAt}${e.rollbackOf !== undefined ? ` (rollback of ${e.rollbackOf})` : ''} sha256 ${e.sha256.slice(0, 12)}`);
    for (const h of history) {
      out(h.ok ? `history  ${h.envelope.name} ${h.envelope.version} published ${h.envelope.publishedAt}${h.envelope.rollbackOf !== undefined ? ` (rollback of ${h.envelope.rollbackOf})` : ''}` : `history  ${h.key ?? '?'} unreadable: ${h.message}`);
    }
  } else {
    throw new RangeError(USAGE);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    await runModelCli(process.argv.slice(2));
  } catch (error) {
    console.error(errorMessage(error));
    process.exitCode = 1;
  }
}
