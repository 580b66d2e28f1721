import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KafkaBroker, fetchKafka } from './kafka-broker.js';
import { checkPostgres, databaseUrlFromEnv } from './postgres.js';
import { SchemaRegistry, chooseApicurio, fetchApicurio } from './schema-registry.js';
import type { Lifetime } from './server-process.js';

/** Where the stack's parts answer, in the form of environment variables. */
export interface StackEndpoints {
  /** `host:port` of the Kafka broker. */
  readonly KAFKA_BOOTSTRAP: string;
  /** Confluent-compatible base URL of the schema registry. */
  readonly SCHEMA_REGISTRY_URL: string;
  readonly DATABASE_URL: string;
}

export interface LocalStackOptions {
  /** 0 (default) picks free ports; the CLI passes 9092 / 8081. */
  readonly kafkaPort?: number;
  readonly registryPort?: number;
  readonly databaseUrl?: string;
  /** Where config, logs and data go; default: a temporary folder removed on stop. */
  readonly dir?: string;
  readonly lifetime?: Lifetime;
  readonly kafkaVersion?: string;
  readonly apicurioVersion?: string;
  /** Start the schema registry (default true). */
  readonly registry?: boolean;
  /** Progress lines (fetching, starting, ready). */
  readonly log?: (line: string) => void;
}

/** A running Kafka + schema registry, with the PostgreSQL it was checked against. */
export interface LocalStack {
  readonly endpoints: StackEndpoints;
  readonly kafka: KafkaBroker;
  readonly registry: SchemaRegistry | undefined;
  readonly dir: string;
  /** Stops the registry, then the broker; removes a temporary folder. */
  stop(): Promise<void>;
}

/**
 * Starts a real single-node Kafka and Apicurio Registry from Maven Central
 * jars and checks PostgreSQL answers. Jars are fetched once and cached.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const temporary = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(path.join(os.tmpdir(), 'tributary-stack-'));
  mkdirSync(dir, { recursive: true });
  const lifetime = options.lifetime ?? 'tied';
  const databaseUrl = options.databaseUrl ?? databaseUrlFromEnv();
  const withRegistry = options.registry ?? true;
  const kafkaVersion = options.kafkaVersion ?? process.env['KAFKA_VERSION'] ?? undefined;

  log('fetching jars (cached after the first run)…');
  const apicurio = withRegistry ? await chooseApicurio(options.apicurioVersion) : undefined;
  await Promise.all([
    fetchKafka(kafkaVersion),
    apicurio === undefined ? Promise.resolve() : fetchApicurio(apicurio.version),
    checkPostgres(databaseUrl),
  ]);

  let kafka: KafkaBroker | undefined;
  let registry: SchemaRegistry | undefined;
  try {
    log('starting Kafka…');
    kafka = await KafkaBroker.start({
      dir: path.join(dir, 'kafka'),
      port: options.kafkaPort ?? 0,
      lifetime,
      ...(kafkaVersion === undefined || kafkaVersion === '' ? {} : { version: kafkaVersion }),
    });
    log(`Kafka ${kafka.version} ready at ${kafka.bootstrap}`);
    if (apicurio !== undefined) {
      log(`starting Apicurio Registry ${apicurio.version} on Java ${apicurio.java.major}…`);
      registry = await SchemaRegistry.start({
        dir: path.join(dir, 'registry'),
        port: options.registryPort ?? 0,
        kafkaBootstrap: kafka.bootstrap,
        version: apicurio.version,
        lifetime,
      });
      log(`schema registry ready at ${registry.url}`);
    }
  } catch (error) {
    await registry?.stop();
    await kafka?.stop();
    if (temporary) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const broker = kafka;
  return {
    endpoints: {
      KAFKA_BOOTSTRAP: broker.bootstrap,
      SCHEMA_REGISTRY_URL: registry?.url ?? '',
      DATABASE_URL: databaseUrl,
    },
    kafka: broker,
    registry,
    dir,
    async stop() {
      await registry?.stop();
      await broker.stop();
      if (temporary) rmSync(dir, { recursive: true, force: true });
    },
  };
}
