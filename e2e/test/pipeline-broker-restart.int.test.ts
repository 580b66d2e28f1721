/**
 * The broker stops mid-stream (the whole cluster: one node) and comes back
 * on the same port with its data: ingest answers 503 meanwhile (the client
 * retries), the operators pause and resume, and the result is exact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBroker } from '@tributary/testing';
import { stackEndpoints } from '../../libs/testing/src/vitest/endpoints.js';
import { expectedWindows, type ExpectedWindows } from '../src/oracle/index.js';
import { feed, type FeedStats } from '../src/pipeline/feeder.js';
import { IngestClient } from '../src/pipeline/ingest-client.js';
import { OPERATORS } from '../src/pipeline/local-pipeline.js';
import { scrape, sumOf } from '../src/pipeline/metrics.js';
import { simulateFleet, type SimulatedFleet } from '../src/simulator/index.js';

/**
 * Event times near the wall clock: records carry their event time as Kafka
 * timestamp, and a dataset months old would meet the topics' 7-day time
 * retention (the broker deleted such segments after a restart).
 */
const recentMinute = (): number => Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
import { expectedScores, type ExpectedScore } from './support/expected-scores.js';
import { checkOutputs, readOutputs } from './support/pipeline-check.js';
import { startPipeline, waitForScoreRows, type PipelineFixture } from './support/pipeline-fixture.js';

describe('the cold-chain pipeline across a broker restart', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'restart-broker-'));
  let broker: KafkaBroker;
  let fleet: SimulatedFleet;
  let expected: ExpectedWindows;
  let scores: ExpectedScore[];
  let threshold: number;
  let fixture: PipelineFixture;

  beforeAll(async () => {
    broker = await KafkaBroker.start({ dir, port: 0, lifetime: 'tied' });
    fleet = simulateFleet({ seed: 99, containers: 12, startTime: recentMinute(), durationMs: 8 * 60_000, failingShare: 0.3, failsAtRange: [0.5, 6] });
    expected = expectedWindows(fleet);
    const scored = await expectedScores(expected.aggregates);
    scores = scored.scores;
    threshold = scored.model.threshold;
    fixture = await startPipeline({
      brokers: broker.bootstrap,
      registryUrl: stackEndpoints().SCHEMA_REGISTRY_URL,
      fleet,
      env: { score: { ALERT_THRESHOLD: String(threshold) } },
    });
  });
  afterAll(async () => {
    await fixture?.close();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pauses while the broker is down, resumes when it is back, and stays exact', async () => {
    const { pipeline } = fixture;
    const client = new IngestClient({ url: () => pipeline.url('ingest') });
    const readings = [...fleet.posts()].filter((p) => p.kind === 'reading').length;
    let stats: FeedStats | undefined;
    const feeding = feed(client, fleet.posts(), { batchSize: 200, readingsPerSecond: readings / 60 }).then((s) => (stats = s));

    await new Promise((r) => setTimeout(r, 20_000));
    const port = broker.port;
    await broker.stop();
    await new Promise((r) => setTimeout(r, 12_000));
    broker = await KafkaBroker.start({ dir, port, lifetime: 'tied' });

    await feeding;
    await feed(client, fleet.flushPosts(), { batchSize: 200 });
    const rows = await waitForScoreRows(fixture.database.url, scores.length, 300_000);

    // The same ingest process answered 503 while the broker was down (the client retried), and nothing restarted.
    const ingestMetrics = await scrape(pipeline.url('ingest'));
    expect(sumOf(ingestMetrics, 'tributary_ingest_requests_total', { status: '503' }), 'ingest 503 answers').toBeGreaterThan(0);
    expect(client.retries).toBeGreaterThan(0);
    for (const name of OPERATORS) expect(pipeline.starts.get(name), `${name} never restarted`).toBe(1);
    expect(stats).toMatchObject({ readings, rejected: expected.malformed, malformedAccepted: 0 });
    const outputs = await readOutputs(broker.bootstrap, stackEndpoints().SCHEMA_REGISTRY_URL, fixture.database.url);
    const problems = checkOutputs(outputs, expected, scores, threshold);
    expect(problems, `${problems.length} problems (logs in ${fixture.logDir}); ${rows} rows of ${scores.length}`).toEqual([]);
  }, 600_000);
});
