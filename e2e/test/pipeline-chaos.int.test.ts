/**
 * The cold-chain pipeline, five operator processes on the real broker,
 * registry and PostgreSQL, fed a seeded dataset through ingest while a chaos
 * loop SIGKILLs every operator at least twice (once more while it starts and
 * restores), then a rolling restart (SIGTERM each in turn). At the end the
 * topics and tables must equal what the dataset implies, computed
 * independently: no duplicate, no gap, no wrong value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEndpoints } from '../../libs/testing/src/vitest/endpoints.js';
import { expectedWindows, type ExpectedWindows } from '../src/oracle/index.js';
import { feed, type FeedStats } from '../src/pipeline/feeder.js';
import { IngestClient } from '../src/pipeline/ingest-client.js';
import { OPERATORS } from '../src/pipeline/local-pipeline.js';
import { simulateFleet, type SimulatedFleet } from '../src/simulator/index.js';

/**
 * Event times near the wall clock: records carry their event time as Kafka
 * timestamp, and a dataset months old would meet the topics' 7-day time
 * retention (the broker deleted such segments after a restart).
 */
const recentMinute = (): number => Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;
import { chaosLoop, type ChaosEvent } from './support/chaos.js';
import { expectedScores, type ExpectedScore } from './support/expected-scores.js';
import { checkOutputs, readOutputs } from './support/pipeline-check.js';
import { startPipeline, waitForScoreRows, type PipelineFixture } from './support/pipeline-fixture.js';


describe('the cold-chain pipeline, exact under chaos', () => {
  let fleet: SimulatedFleet;
  let expected: ExpectedWindows;
  let scores: ExpectedScore[];
  let fixture: PipelineFixture;
  /** The model card's threshold, passed to the score operator explicitly. */
  let ALERT_THRESHOLD: number;

  beforeAll(async () => {
    fleet = simulateFleet({
      seed: 20261123,
      containers: 24,
      startTime: recentMinute(),
      durationMs: 15 * 60_000,
      failingShare: 0.3,
      failsAtRange: [0.5, 6],
      lateShare: 0.002,
      malformedShare: 0.001,
    });
    expected = expectedWindows(fleet);
    const scored = await expectedScores(expected.aggregates);
    scores = scored.scores;
    ALERT_THRESHOLD = scored.model.threshold;
    fixture = await startPipeline({
      brokers: stackEndpoints().KAFKA_BOOTSTRAP,
      registryUrl: stackEndpoints().SCHEMA_REGISTRY_URL,
      fleet,
      env: { score: { ALERT_THRESHOLD: String(ALERT_THRESHOLD) } },
    });
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('SIGKILL chaos, kills during restore, and a rolling restart lose nothing and double nothing', async () => {
    const { pipeline } = fixture;
    expect(expected.aggregates.length).toBeGreaterThan(300);
    expect(expected.late.length).toBeGreaterThan(0);
    expect(expected.malformed).toBeGreaterThan(0);
    expect(scores.filter((s) => s.risk >= ALERT_THRESHOLD).length).toBeGreaterThan(0);
    expect(scores.filter((s) => s.risk < ALERT_THRESHOLD).length).toBeGreaterThan(0);

    const client = new IngestClient({ url: () => pipeline.url('ingest') });
    const readings = [...fleet.posts()].filter((p) => p.kind === 'reading').length;
    // Spread the dataset over the chaos and the rolling restart (~2.5 min).
    let stats: FeedStats | undefined;
    const feeding = feed(client, fleet.posts(), { batchSize: 200, readingsPerSecond: readings / 150 }).then((s) => (stats = s));

    const events: ChaosEvent[] = await chaosLoop(pipeline, { seed: 7, rounds: 2, intervalMs: 3000, duringStart: ['enrich', 'aggregate', 'score', 'sink'] });
    for (const name of OPERATORS) await pipeline.get(name)?.ready(180_000);

    // Rolling restart under load: SIGTERM each operator in turn; each exits 0 within its bound.
    const exits: Record<string, { code: number | null; killed: boolean; seconds: number }> = {};
    for (const name of OPERATORS) {
      exits[name] = (await pipeline.get(name)?.stop(30_000)) ?? { code: null, killed: true, seconds: 0 };
      pipeline.start(name);
      await pipeline.get(name)?.ready(180_000);
    }

    await feeding;
    await feed(client, fleet.flushPosts(), { batchSize: 200 });
    const rows = await waitForScoreRows(fixture.database.url, scores.length, 300_000);

    // Chaos really happened as described.
    for (const name of OPERATORS) expect(events.filter((e) => e.operator === name && e.phase === 'running').length, `${name} SIGKILLs`).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.phase === 'starting').length, 'kills while starting/restoring').toBeGreaterThanOrEqual(1);
    for (const name of OPERATORS) expect(exits[name], `${name} SIGTERM exit`).toMatchObject({ code: 0, killed: false });

    // Ingest: every malformed body refused, every reading acknowledged.
    expect(stats).toMatchObject({ readings, rejected: expected.malformed, malformedAccepted: 0 });

    const outputs = await readOutputs(stackEndpoints().KAFKA_BOOTSTRAP, stackEndpoints().SCHEMA_REGISTRY_URL, fixture.database.url);
    const problems = checkOutputs(outputs, expected, scores, ALERT_THRESHOLD);
    expect(problems, `${problems.length} problems (logs in ${fixture.logDir}); ${rows} rows of ${scores.length}`).toEqual([]);
  }, 900_000);
});
