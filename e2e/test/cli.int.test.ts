/**
 * The image's dispatcher (`bin/tributary.mjs`) run the way the image runs it,
 * from source: `tributary setup` against a broker that is still starting
 * (it must wait, then create the topics) and the test stack's registry, run
 * twice (idempotent), and the dispatcher's answer to an unknown command.
 *
 * `tributary simulate` posts to a stand-in for ingest and stops on SIGTERM.
 *
 * The broker is this file's own, so the topics are provably created by setup
 * (the shared one may hold them from other files) with a partition count
 * nobody else uses.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, ConfigResourceTypes, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, loadSchemaFiles } from '@tributary/avro';
import { SCHEMA_DIR } from '@tributary/schemas';
import { KafkaBroker, REPO_ROOT, freePort } from '@tributary/testing';
import { stackEndpoints } from '../../libs/testing/src/vitest/endpoints.js';
import { PIPELINE_TOPICS } from '../src/pipeline/topics.js';

const execFileAsync = promisify(execFile);

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node --conditions=source --import tsx bin/tributary.mjs <args>`: TypeScript sources through the packages' `source` export condition, as ServiceProcess runs services. */
async function tributary(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--conditions=source', '--import', 'tsx', 'bin/tributary.mjs', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      timeout: 90_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const PARTITIONS = 3;
const TOPICS = Object.values(PIPELINE_TOPICS);

describe('tributary (the image dispatcher)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-broker-'));
  let broker: KafkaBroker | undefined;
  let admin: Admin;
  let setupEnv: Record<string, string>;
  let firstRun: Run;

  beforeAll(async () => {
    const port = await freePort();
    setupEnv = { KAFKA_BROKERS: `127.0.0.1:${port}`, SCHEMA_REGISTRY_URL: stackEndpoints().SCHEMA_REGISTRY_URL, PARTITIONS: String(PARTITIONS), REPLICATION_FACTOR: '1' };
    // setup starts before the broker listens, as in compose when Kafka is slow: it has to wait and retry.
    const setup = tributary(['setup'], setupEnv);
    broker = await KafkaBroker.start({ dir, port, lifetime: 'tied' });
    firstRun = await setup;
    admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.disconnect();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('setup waits for a starting broker, then creates every pipeline topic with PARTITIONS partitions', async () => {
    expect(firstRun.code, firstRun.stdout + firstRun.stderr).toBe(0);
    expect(firstRun.stdout).toContain('not ready yet; retrying');
    const metadata = await admin.fetchTopicMetadata({ topics: TOPICS });
    expect(metadata.topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual(TOPICS.map((t) => [t, PARTITIONS]).sort());
    const configs = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: PIPELINE_TOPICS.containers, configNames: ['cleanup.policy'] }],
      includeSynonyms: false,
    });
    expect(configs.resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue).toBe('compact');
  });

  it('setup registers every schemas/*.avsc under its subject', async () => {
    const registry = new RegistryClient({ url: setupEnv['SCHEMA_REGISTRY_URL'] ?? '' });
    const files = loadSchemaFiles(SCHEMA_DIR);
    expect(files.length).toBeGreaterThan(0);
    const ids = await Promise.all(files.map(async (file) => [file.subject, await registry.lookup(file.subject, file.text)] as const));
    expect(ids.filter(([, id]) => id === undefined)).toEqual([]);
    expect(firstRun.stdout).toContain('"subjects":' + String(files.length));
  });

  it('setup is idempotent: a second run succeeds and changes nothing', async () => {
    const again = await tributary(['setup'], setupEnv);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain('setup done');
    const metadata = await admin.fetchTopicMetadata({ topics: TOPICS });
    expect(metadata.topics.every((t) => t.partitions.length === PARTITIONS)).toBe(true);
  });

  it('setup fails at once (exit 1, no retrying) when existing topics have another partition count', async () => {
    const run = await tributary(['setup'], { ...setupEnv, PARTITIONS: String(PARTITIONS + 2) });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`has ${PARTITIONS} partitions, the pipeline expects ${PARTITIONS + 2}`);
    expect(run.stdout).not.toContain('retrying');
  });

  it('simulate publishes the references, posts NDJSON readings to INGEST_URL, and exits 0 on SIGTERM', async () => {
    const bodies: string[] = [];
    const ingest: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (req.url === '/records' && req.headers['content-type'] === 'application/x-ndjson') bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":1}');
      });
    });
    await new Promise<void>((resolve) => ingest.listen(0, '127.0.0.1', resolve));
    const containers = 3;
    try {
      const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'bin/tributary.mjs', 'simulate'], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...setupEnv, INGEST_URL: `http://127.0.0.1:${(ingest.address() as AddressInfo).port}`, CONTAINERS: String(containers), SPEED: '100', SEED: '7' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const deadline = Date.now() + 60_000;
      while (bodies.length < 2 && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(bodies.length, output).toBeGreaterThanOrEqual(2);
      const stopAt = Date.now();
      child.kill('SIGTERM');
      expect(await exited, output).toBe(0);
      expect(Date.now() - stopAt).toBeLessThan(10_000);
      expect(output).toContain('"msg":"stopped"');

      const readings = bodies.flatMap((b) => b.trim().split('\n')).map((line) => JSON.parse(line) as { containerId?: unknown; eventTime?: unknown });
      expect(readings.every((r) => typeof r.containerId === 'string' && r.eventTime !== undefined)).toBe(true);
      expect(new Set(readings.map((r) => r.containerId)).size).toBe(containers);
      const offsets = await admin.fetchTopicOffsets(PIPELINE_TOPICS.containers);
      expect(offsets.reduce((n, o) => n + Number(o.high), 0)).toBe(containers);
    } finally {
      await new Promise((resolve) => ingest.close(resolve));
    }
  });

  it('an unknown command exits 2 and names the commands', async () => {
    const run = await tributary(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command "frobnicate"');
    expect(run.stderr).toContain('ingest, enrich, aggregate, score, sink, lag-exporter, setup, simulate');
  });
});
