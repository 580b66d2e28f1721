import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheDir } from './cache.js';
import { StackError } from './errors.js';
import { defaultJava, findJava, type JavaRuntime } from './java.js';
import { fetchArchive } from './maven.js';
import { choosePort, freePort } from './ports.js';
import { ServerProcess, type Lifetime } from './server-process.js';

/** Newest Apicurio on Maven Central; needs Java 21+. */
export const APICURIO_LATEST = '3.3.3';
/** Newest Apicurio on Maven Central that still runs on Java 17. */
export const APICURIO_JAVA17 = '3.0.9';

/** Path of the Confluent-compatible API under an Apicurio base URL. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';

export interface SchemaRegistryOptions {
  /** Folder for the registry's log. */
  readonly dir: string;
  /** HTTP port; 0 picks a free one. */
  readonly port: number;
  /** The broker holding the registry's storage (the `kafkasql` journal topic). */
  readonly kafkaBootstrap: string;
  /** Apicurio version; default: the newest this machine's Java can run. */
  readonly version?: string;
  readonly lifetime: Lifetime;
  readonly startTimeoutMs?: number;
  /**
   * Prefix of the registry's Kafka topics (journal, snapshots, events), so
   * that two registries can share one broker without sharing data.
   */
  readonly topicPrefix?: string;
}

/** Picks the Apicurio version and the Java to run it on. */
export async function chooseApicurio(version = process.env['APICURIO_VERSION']): Promise<{ version: string; java: JavaRuntime }> {
  const wanted = version !== undefined && version !== '' ? version : undefined;
  const needsJava21 = (v: string): boolean => {
    const [major, minor] = v.split('.').map(Number);
    return (major ?? 0) > 3 || ((major ?? 0) === 3 && (minor ?? 0) >= 2);
  };
  if (wanted !== undefined && !needsJava21(wanted)) return { version: wanted, java: await defaultJava(17) };
  const java21 = await findJava(21);
  if (java21 !== undefined) return { version: wanted ?? APICURIO_LATEST, java: java21 };
  if (wanted !== undefined) {
    throw new StackError(
      'JAVA_TOO_OLD',
      `Apicurio Registry ${wanted} needs Java 21 or newer, and none was found (JAVA_HOME, PATH, /usr/lib/jvm)`,
      `install a JDK 21+ or set APICURIO_VERSION=${APICURIO_JAVA17}`,
    );
  }
  return { version: APICURIO_JAVA17, java: await defaultJava(17) };
}

/** Fetches (once) and unpacks the registry; returns the jar to run. */
export async function fetchApicurio(version: string): Promise<string> {
  const dir = await fetchArchive(
    path.join(cacheDir(), 'jars', `apicurio-registry-${version}`),
    `io.apicurio:apicurio-registry-app:${version}:tar.gz:all`,
  );
  // The archive's layout changed across 3.x releases.
  for (const candidate of [path.join(dir, 'quarkus-run.jar'), path.join(dir, 'quarkus-app', 'quarkus-run.jar')]) {
    if (existsSync(candidate)) return candidate;
  }
  const runner = readdirSync(dir).find((f) => f.endsWith('-runner.jar'));
  if (runner !== undefined) return path.join(dir, runner);
  throw new StackError('APICURIO_LAYOUT', `no runnable jar found in ${dir} (looked for quarkus-run.jar and *-runner.jar)`);
}

/**
 * Apicurio Registry serving the Confluent-compatible API, storing its data in
 * a Kafka topic (`kafkasql`) so schemas survive a registry restart, with a
 * global BACKWARD compatibility rule so incompatible schemas are refused.
 */
export class SchemaRegistry {
  readonly port: number;
  readonly version: string;
  readonly process: ServerProcess;

  private constructor(port: number, version: string, process: ServerProcess) {
    this.port = port;
    this.version = version;
    this.process = process;
  }

  /** The Confluent-compatible base URL (`$url/subjects` lists subjects). */
  get url(): string {
    return `http://127.0.0.1:${this.port}${CCOMPAT_PATH}`;
  }

  static async start(options: SchemaRegistryOptions): Promise<SchemaRegistry> {
    const { version, java } = await chooseApicurio(options.version);
    const [jar, port, managementPort] = await Promise.all([
      fetchApicurio(version),
      choosePort(options.port, 'schema registry'),
      freePort(),
    ]);
    mkdirSync(options.dir, { recursive: true });
    const prefix = options.topicPrefix ?? '';
    const server = ServerProcess.start({
      command: java.bin,
      args: [
        '-Xmx384m',
        '-Djava.awt.headless=true',
        '-Dquarkus.http.host=127.0.0.1',
        `-Dquarkus.http.port=${port}`,
        // Its management interface is fixed on at build time; without these
        // it would listen on 0.0.0.0:9000 (and collide between two registries).
        '-Dquarkus.management.host=127.0.0.1',
        `-Dquarkus.management.port=${managementPort}`,
        '-Dquarkus.log.console.color=false',
        '-Dapicurio.storage.kind=kafkasql',
        `-Dapicurio.kafkasql.bootstrap.servers=${options.kafkaBootstrap}`,
        `-Dapicurio.kafkasql.topic=${prefix}kafkasql-journal`,
        `-Dapicurio.kafkasql.snapshots.topic=${prefix}kafkasql-snapshots`,
        `-Dapicurio.events.kafka.topic=${prefix}registry-events`,
        '-Dapicurio.rules.global.compatibility=BACKWARD',
        '-jar',
        jar,
      ],
      cwd: options.dir,
      logFile: path.join(options.dir, 'registry.log'),
      lifetime: options.lifetime,
    });
    const registry = new SchemaRegistry(port, version, server);
    try {
      await waitForRegistry(registry.url, server, options.startTimeoutMs ?? 180_000);
    } catch (error) {
      await server.stop(5_000);
      throw error;
    }
    return registry;
  }

  async stop(): Promise<void> {
    await this.process.stop(20_000);
  }
}

/** Resolves once the Confluent-compatible API at `url` lists subjects. */
export async function waitForRegistry(url: string, server: ServerProcess | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (server !== undefined && !server.running) {
      throw new StackError(
        'REGISTRY_EXITED',
        `the schema registry exited during start; last lines of ${server.logFile}:\n${server.logTail(25)}`,
      );
    }
    try {
      const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await sleep(500);
  }
  const tail = server === undefined ? '' : `\nlast lines of ${server.logFile}:\n${server.logTail(25)}`;
  throw new StackError(
    'REGISTRY_START_TIMEOUT',
    `the schema registry at ${url} did not answer within ${Math.round(timeoutMs / 1000)} s (last: ${last})${tail}`,
  );
}
