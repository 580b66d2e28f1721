import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { cacheDir } from './cache.js';
import { StackError } from './errors.js';
import { defaultJava, type JavaRuntime } from './java.js';
import { resolveClasspath, type MavenCoordinate } from './maven.js';
import { choosePort } from './ports.js';
import { ServerProcess, type Lifetime } from './server-process.js';

const run = promisify(execFile);

/**
 * The Kafka release the stack runs unless `KAFKA_VERSION` says otherwise: the
 * newest one that kafkajs 2.2.4 was proven against (see the README).
 */
export const DEFAULT_KAFKA_VERSION = '4.4.0';

export interface KafkaBrokerOptions {
  /** Folder for the broker's config, logs and data; data survives a restart. */
  readonly dir: string;
  /** Client port; 0 picks a free one. */
  readonly port: number;
  /** Controller (KRaft) port; 0 picks a free one. */
  readonly controllerPort?: number;
  readonly version?: string;
  readonly lifetime: Lifetime;
  readonly java?: JavaRuntime;
  readonly heap?: string;
  readonly startTimeoutMs?: number;
  /** Extra `server.properties` lines, winning over the defaults. */
  readonly config?: Readonly<Record<string, string>>;
  /**
   * A second client listener, `SASL_PLAINTEXT`, accepting PLAIN and
   * SCRAM-SHA-256/512 for these users (SCRAM credentials are written when
   * the storage is formatted, so they apply to a fresh `dir`).
   */
  readonly sasl?: { readonly port?: number; readonly users: readonly { readonly username: string; readonly password: string }[] };
}

/** Server properties and format arguments of the SASL listener. */
function saslSettings(sasl: NonNullable<KafkaBrokerOptions['sasl']>): { props: Record<string, string>; formatArgs: string[] } {
  const plainUsers = sasl.users.map((u) => `user_${u.username}="${u.password}"`).join(' ');
  return {
    props: {
      'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
      'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    },
    formatArgs: sasl.users.flatMap((u) =>
      ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((m) => ['--add-scram', `${m}=[name=${u.username},password=${u.password}]`]),
    ),
  };
}

/** Jars for one Kafka release; its logging backend changed in 4.0. */
function brokerArtifacts(version: string): MavenCoordinate[] {
  const kafka: MavenCoordinate = `org.apache.kafka:kafka_2.13:${version}`;
  if (Number(version.split('.')[0]) >= 4) {
    return [
      kafka,
      'org.apache.logging.log4j:log4j-core:2.24.3',
      'org.apache.logging.log4j:log4j-slf4j2-impl:2.24.3',
      'org.slf4j:slf4j-api:2.0.17',
    ];
  }
  return [kafka, 'ch.qos.reload4j:reload4j:1.2.26', 'org.slf4j:slf4j-reload4j:1.7.36'];
}

/** Fetches (once, into the cache) the broker's jars; returns the `lib` folder. */
export async function fetchKafka(version = DEFAULT_KAFKA_VERSION): Promise<string> {
  return await resolveClasspath(path.join(cacheDir(), 'jars', `kafka-${version}`), brokerArtifacts(version));
}

function loggingFlags(version: string, dir: string): string[] {
  if (Number(version.split('.')[0]) >= 4) {
    const file = path.join(dir, 'log4j2.properties');
    writeFileSync(
      file,
      [
        'status = warn',
        'appender.out.type = Console',
        'appender.out.name = OUT',
        'appender.out.layout.type = PatternLayout',
        'appender.out.layout.pattern = [%d] %p %m (%c)%n',
        'rootLogger.level = INFO',
        'rootLogger.appenderRef.out.ref = OUT',
        'logger.state.name = state.change.logger',
        'logger.state.level = WARN',
        '',
      ].join('\n'),
    );
    return [`-Dlog4j2.configurationFile=${file}`];
  }
  const file = path.join(dir, 'log4j.properties');
  writeFileSync(
    file,
    [
      'log4j.rootLogger=INFO, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.state.change.logger=WARN',
      '',
    ].join('\n'),
  );
  return [`-Dlog4j.configuration=file:${file}`];
}

/**
 * Settings for one combined broker+controller that must still run
 * transactions and consumer groups: every internal topic at replication 1,
 * no initial rebalance delay, and no auto-created topics (Tributary creates
 * and verifies its topics itself).
 */
function serverProperties(o: { port: number; controllerPort: number; dataDir: string }): Record<string, string> {
  return {
    'process.roles': 'broker,controller',
    'node.id': '1',
    'controller.quorum.voters': `1@127.0.0.1:${o.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${o.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${o.port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': o.dataDir,
    'num.partitions': '1',
    'default.replication.factor': '1',
    'min.insync.replicas': '1',
    'auto.create.topics.enable': 'false',
    'offsets.topic.replication.factor': '1',
    'offsets.topic.num.partitions': '10',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    'transaction.state.log.num.partitions': '10',
    'group.initial.rebalance.delay.ms': '0',
    'share.coordinator.state.topic.replication.factor': '1',
    'share.coordinator.state.topic.min.isr': '1',
    'log.cleaner.backoff.ms': '1000',
  };
}

/** A single-node Apache Kafka (KRaft) started from the Maven Central jars. */
export class KafkaBroker {
  readonly port: number;
  readonly version: string;
  readonly process: ServerProcess;
  /** Port of the SASL_PLAINTEXT listener, when one was asked for. */
  readonly saslPort: number | undefined;

  private constructor(port: number, version: string, process: ServerProcess, saslPort: number | undefined) {
    this.port = port;
    this.version = version;
    this.process = process;
    this.saslPort = saslPort;
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** `host:port` of the SASL listener, when one was asked for. */
  get saslBootstrap(): string | undefined {
    return this.saslPort === undefined ? undefined : `127.0.0.1:${this.saslPort}`;
  }

  /** Fetches the jars if needed, writes the config, formats storage once, starts and waits. */
  static async start(options: KafkaBrokerOptions): Promise<KafkaBroker> {
    const version = options.version ?? DEFAULT_KAFKA_VERSION;
    const java = options.java ?? (await defaultJava(17));
    const [lib, port, controllerPort] = await Promise.all([
      fetchKafka(version),
      choosePort(options.port, 'Kafka client listener'),
      choosePort(options.controllerPort ?? 0, 'Kafka controller listener'),
    ]);
    const dataDir = path.join(options.dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const saslPort = options.sasl === undefined ? undefined : await choosePort(options.sasl.port ?? 0, 'Kafka SASL listener');
    const sasl = options.sasl === undefined || saslPort === undefined ? undefined : saslSettings(options.sasl);
    const base = serverProperties({ port, controllerPort, dataDir });
    if (sasl !== undefined) {
      Object.assign(base, sasl.props, {
        listeners: `${base.listeners},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
        'advertised.listeners': `${base['advertised.listeners']},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
        'listener.security.protocol.map': `${base['listener.security.protocol.map']},SASL_PLAINTEXT:SASL_PLAINTEXT`,
      });
    }
    const props = { ...base, ...options.config };
    const propsFile = path.join(options.dir, 'server.properties');
    writeFileSync(propsFile, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
    const classpath = `${lib}/*`;
    const jvm = [`-Xmx${options.heap ?? '512m'}`, '-Xms128m', '-XX:+UseG1GC', '-Djava.awt.headless=true', ...loggingFlags(version, options.dir)];

    if (!existsSync(path.join(dataDir, 'meta.properties'))) {
      // A base64url id can start with '-', which the format tool would read as an option (1 start in 64 failed so): replace it.
      const clusterId = randomBytes(16).toString('base64url').replace(/^-/, 'A');
      try {
        await run(java.bin, [...jvm, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile, ...(sasl?.formatArgs ?? [])], {
          timeout: 120_000,
        });
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string };
        throw new StackError('KAFKA_FORMAT_FAILED', `formatting Kafka storage in ${dataDir} failed:\n${e.stderr ?? ''}${e.stdout ?? ''}`);
      }
    }

    const server = ServerProcess.start({
      command: java.bin,
      args: [...jvm, '-cp', classpath, 'kafka.Kafka', propsFile],
      cwd: options.dir,
      logFile: path.join(options.dir, 'broker.log'),
      lifetime: options.lifetime,
    });
    const broker = new KafkaBroker(port, version, server, saslPort);
    try {
      await waitForKafka(broker.bootstrap, server, options.startTimeoutMs ?? 120_000);
    } catch (error) {
      await server.stop(5_000);
      throw error;
    }
    return broker;
  }

  async stop(): Promise<void> {
    await this.process.stop(30_000);
  }
}

/** Resolves once a broker at `bootstrap` answers metadata requests. */
export async function waitForKafka(bootstrap: string, server: ServerProcess | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const kafka = new Kafka({
    clientId: 'tributary-stack-probe',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1_000,
  });
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (server !== undefined && !server.running) {
      throw new StackError(
        'KAFKA_EXITED',
        `the Kafka broker exited during start; last lines of ${server.logFile}:\n${server.logTail(25)}`,
      );
    }
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0) {
        await admin.disconnect();
        return;
      }
    } catch (error) {
      lastError = error;
    }
    await admin.disconnect().catch(() => undefined);
    await sleep(500);
  }
  const tail = server === undefined ? '' : `\nlast lines of ${server.logFile}:\n${server.logTail(25)}`;
  throw new StackError(
    'KAFKA_START_TIMEOUT',
    `the Kafka broker at ${bootstrap} did not answer within ${Math.round(timeoutMs / 1000)} s (last error: ${String(lastError)})${tail}`,
  );
}
