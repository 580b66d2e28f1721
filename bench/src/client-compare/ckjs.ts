/**
 * Loads `@confluentinc/kafka-javascript` (librdkafka under a KafkaJS-style
 * API) from outside the repository: it is not a project dependency. The
 * directory is `CKJS_DIR` (a `node_modules` directory), default
 * `/tmp/ckjs/node_modules`; see bench/README.md for how it was installed.
 *
 * Only the few calls the bench makes are typed here.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface CkjsMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly offset: string;
  readonly timestamp: string;
}

export interface CkjsEachBatchPayload {
  readonly batch: { readonly topic: string; readonly partition: number; readonly messages: readonly CkjsMessage[] };
  resolveOffset(offset: string): void;
}

export interface CkjsTopicOffsets {
  readonly topic: string;
  readonly partitions: readonly { partition: number; offset: string }[];
}

export interface CkjsOutMessage {
  readonly key: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly timestamp?: string;
}

export interface CkjsProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  send(record: { topic: string; messages: readonly CkjsOutMessage[] }): Promise<unknown>;
  transaction(): Promise<CkjsProducer>;
  sendOffsets(arg: { consumer: CkjsConsumer; topics: readonly CkjsTopicOffsets[] }): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface CkjsConsumer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  subscribe(arg: { topics: readonly string[] }): Promise<void>;
  run(arg: {
    partitionsConsumedConcurrently?: number;
    eachBatchAutoResolve?: boolean;
    eachBatch: (payload: CkjsEachBatchPayload) => Promise<void>;
  }): Promise<void>;
}

/** Producer/consumer config: `kafkaJS` holds the KafkaJS-style keys, the rest are librdkafka properties. */
export type CkjsConfig = { readonly kafkaJS?: Record<string, unknown> } & Record<string, unknown>;

export interface CkjsKafka {
  producer(config: CkjsConfig): CkjsProducer;
  consumer(config: CkjsConfig): CkjsConsumer;
}

export interface CkjsModule {
  readonly KafkaJS: {
    readonly Kafka: new (config: CkjsConfig) => CkjsKafka;
    readonly logLevel: { readonly NOTHING: number; readonly ERROR: number; readonly WARN: number; readonly INFO: number };
  };
  /** librdkafka's version, e.g. "2.15.1". */
  readonly librdkafkaVersion?: string;
}

export const DEFAULT_CKJS_DIR = '/tmp/ckjs/node_modules';

export function loadCkjs(dir: string = process.env['CKJS_DIR'] ?? DEFAULT_CKJS_DIR): { module: CkjsModule; version: string; dir: string } {
  const packageDir = path.join(dir, '@confluentinc', 'kafka-javascript');
  if (!existsSync(path.join(packageDir, 'package.json'))) {
    throw new Error(
      `client-compare: @confluentinc/kafka-javascript is not installed in ${dir} (set CKJS_DIR to a node_modules directory holding it). ` +
        'It is not a project dependency; install it outside the repository, e.g.: ' +
        'mkdir -p /tmp/ckjs && cd /tmp/ckjs && npm init -y && CKJS_LINKING=dynamic npm install @confluentinc/kafka-javascript@1.10.1 --foreground-scripts (see bench/README.md)',
    );
  }
  const require = createRequire(path.join(dir, 'noop.js'));
  let module: CkjsModule;
  try {
    module = require('@confluentinc/kafka-javascript') as CkjsModule;
  } catch (error) {
    throw new Error(`client-compare: @confluentinc/kafka-javascript is in ${packageDir} but does not load (was its native build completed?)`, { cause: error });
  }
  const { version } = require('@confluentinc/kafka-javascript/package.json') as { version: string };
  return { module, version, dir };
}
