/**
 * Issue 8, "prove it": a real Prometheus (Debian's 2.42 here; prometheusBinaries()) scrapes the running
 * cold-chain pipeline — the five operators and the lag exporter — with the repository's alerting rules
 * loaded. Every query of every committed Grafana dashboard returns data; the alerts we can bring about in a
 * few minutes become active when their condition is induced (the sink stopped while readings keep coming,
 * bad input), and the rest are shown to have their series exported and their expressions evaluating.
 *
 * Alerts count as raised when `/api/v1/alerts` lists them pending or firing: pending means the condition
 * is met. Whether they then wait their `for` and fire with the right labels and annotations is what the
 * promtool unit tests prove (deploy/prometheus/tests/tributary.rules.test.yml); waiting 5–15 minutes
 * here would prove nothing more.
 *
 * Its own broker: the operators' topics and groups have fixed names, and the chaos test reads those
 * topics from the beginning expecting exactly its own dataset.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBroker, REPO_ROOT, ServiceProcess, kafkaClient, produce, startPrometheus, type RunningPrometheus } from '@tributary/testing';
import { dashboardQueries } from '../../deploy/src/index.js';
import { stackEndpoints } from '../../libs/testing/src/vitest/endpoints.js';
import { feed } from '../src/pipeline/feeder.js';
import { IngestClient } from '../src/pipeline/ingest-client.js';
import { OPERATORS } from '../src/pipeline/local-pipeline.js';
import { PIPELINE_TOPICS } from '../src/pipeline/topics.js';
import { simulateFleet, type PostItem, type SimulatedFleet } from '../src/simulator/index.js';
import { startPipeline, type PipelineFixture } from './support/pipeline-fixture.js';
import { PrometheusApi, pollUntil, scrapeConfig, thresholdFreeParts, type ActiveAlert, type ScrapeTarget } from './support/prometheus.js';

const RULES = path.join(REPO_ROOT, 'deploy/prometheus/rules/tributary.rules.yml');
/** The operators' consumer groups (APPLICATION_ID / GROUP_ID defaults): what the lag exporter watches. */
const GROUPS = ['coldchain-enrich', 'coldchain-aggregate', 'coldchain-score', 'coldchain-sink'];
/** Grafana's `$__rate_interval` is at least four scrape intervals; 15 s is that for a 1 s scrape plus margin. */
const RATE_INTERVAL = '15s';

/** Event times near the wall clock, so the topics' time retention never deletes what was just written. */
const recentMinute = (): number => Math.floor(Date.now() / 60_000) * 60_000 - 30 * 60_000;

/**
 * The alerts induced here, each with the labels that say it is about what we did, and when: `running`
 * ones while the whole pipeline runs (the sink's own series vanish once it is stopped), `sink-stopped`
 * ones after the sink is stopped and the rest of the readings arrive.
 */
const INDUCED: readonly { readonly alertname: string; readonly labels: Readonly<Record<string, string>>; readonly phase: 'running' | 'sink-stopped'; readonly how: string }[] = [
  { alertname: 'TributarySinkDeadLetters', labels: { topic: PIPELINE_TOPICS.scores }, phase: 'running', how: 'an undecodable record on coldchain.scores' },
  { alertname: 'TributaryConsumerGroupLagGrowing', labels: { group: 'coldchain-sink' }, phase: 'sink-stopped', how: 'sink stopped while scores keep coming' },
  { alertname: 'TributaryConsumerGroupWithoutMembers', labels: { group: 'coldchain-sink' }, phase: 'sink-stopped', how: 'sink stopped' },
  { alertname: 'TributaryTargetDown', labels: { job: 'sink' }, phase: 'sink-stopped', how: 'sink stopped' },
  // Its counter was born with the first phase's burst, which rate() cannot see: it needs dead letters while scraped.
  { alertname: 'TributaryDeadLetterRateHigh', labels: { service: 'enrich' }, phase: 'sink-stopped', how: 'UNMATCHED=dlq and 10% unreferenced containers' },
  { alertname: 'TributaryIngestDeadLettersHigh', labels: { code: 'MALFORMED_BODY' }, phase: 'sink-stopped', how: 'malformed bodies posted at up to 25/s' },
  { alertname: 'TributaryLateRecordsHigh', labels: { service: 'aggregate' }, phase: 'sink-stopped', how: '3% of readings posted 3-6 min late' },
];

const matches = (alert: ActiveAlert, wanted: (typeof INDUCED)[number]): boolean =>
  alert.labels['alertname'] === wanted.alertname && Object.entries(wanted.labels).every(([k, v]) => alert.labels[k] === v);

describe('observability: a real Prometheus scrapes the running pipeline', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'observability-broker-'));
  let broker: KafkaBroker;
  let fleet: SimulatedFleet;
  let fixture: PipelineFixture;
  let lagExporter: ServiceProcess;
  let prometheus: RunningPrometheus;
  let api: PrometheusApi;
  let client: IngestClient;
  let posts: PostItem[];
  /** Where the first phase (sink running) ends in `posts`. */
  let split: number;
  /** When the undecodable records were produced. */
  let poisonedAt = Date.now();

  beforeAll(async () => {
    broker = await KafkaBroker.start({ dir, port: 0, lifetime: 'tied' });
    fleet = simulateFleet({
      seed: 8080,
      containers: 24,
      startTime: recentMinute(),
      durationMs: 12 * 60_000,
      failingShare: 0.3,
      failsAtRange: [0.2, 1],
      lateShare: 0.03,
      unreferencedShare: 0.1,
      malformedShare: 0.002,
    });
    posts = [...fleet.posts()];
    split = Math.floor(posts.length / 3);
    fixture = await startPipeline({
      brokers: broker.bootstrap,
      registryUrl: stackEndpoints().SCHEMA_REGISTRY_URL,
      fleet,
      // The PSI series appear once the drift window is full; the first phase scores only about 60 windows.
      env: { enrich: { UNMATCHED: 'dlq' }, score: { DRIFT_WINDOW_ROWS: '50' } },
    });
    lagExporter = new ServiceProcess({
      entry: 'services/lag-exporter/src/main.ts',
      name: 'lag-exporter',
      env: { KAFKA_BROKERS: broker.bootstrap, GROUPS: GROUPS.join(','), POLL_INTERVAL_MS: '1000', HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'info' },
    });
    const targets: ScrapeTarget[] = OPERATORS.map((job) => ({ job, url: fixture.pipeline.url(job) ?? '' }));
    targets.push({ job: 'lag-exporter', url: await lagExporter.ready(120_000) });
    prometheus = await startPrometheus({ configYaml: scrapeConfig(targets), rulesFiles: [RULES] });
    api = new PrometheusApi(prometheus.url);
    client = new IngestClient({ url: () => fixture.pipeline.url('ingest') });
    // Prometheus applies new targets after a few seconds: wait for the first scrape of each.
    const up = await pollUntil(async () => ((await api.targets()).every((t) => t.health === 'up') ? true : undefined), 60_000);
    expect(up, JSON.stringify(await api.targets())).toBe(true);
  });
  afterAll(async () => {
    await prometheus?.stop();
    lagExporter?.kill('SIGKILL');
    await fixture?.close();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('every query of every dashboard panel returns data', async () => {
    await feed(client, posts.slice(0, split), { batchSize: 500 });
    // Records no operator can decode: each operator's dead-letter series (and the sink's null-value one).
    const kafka = kafkaClient(broker.bootstrap);
    const garbage = [{ key: 'not-avro', value: Buffer.from('this is not Avro') }];
    for (const topic of [PIPELINE_TOPICS.readings, PIPELINE_TOPICS.enriched, PIPELINE_TOPICS.aggregates, PIPELINE_TOPICS.scores]) await produce(kafka, topic, garbage);
    await produce(kafka, PIPELINE_TOPICS.scores, [{ key: 'tombstone', value: null }]);
    poisonedAt = Date.now();

    const queries = dashboardQueries().map((q) => ({ ...q, expr: q.expr.replaceAll('$__rate_interval', RATE_INTERVAL) }));
    expect(queries.length).toBeGreaterThan(0);
    let empty = queries;
    await pollUntil(async () => {
      const results = await Promise.all(empty.map(async (q) => ((await api.query(q.expr)).length === 0 ? q : undefined)));
      empty = results.filter((q) => q !== undefined);
      return empty.length === 0 ? true : undefined;
    }, 90_000, 2_000);
    expect(
      empty.map((q) => `${q.dashboard} / ${q.panel}: ${q.expr}`),
      `dashboard queries with no data (of ${queries.length}), each asked every 2 s for 90 s`,
    ).toEqual([]);
  }, 240_000);

  it('bad input, and the sink stopped while readings keep coming, raise their alerts (dead letters, group lag growing, group without members, target down, late records)', async () => {
    const seen = new Map<string, { seconds: number; alert: ActiveAlert }>();
    let last: ActiveAlert[] = [];
    const watch = async (phase: 'running' | 'sink-stopped', since: number, timeoutMs: number): Promise<void> => {
      const wanted = INDUCED.filter((w) => w.phase === phase);
      await pollUntil(async () => {
        last = await api.alerts();
        for (const w of wanted) {
          const alert = last.find((a) => matches(a, w));
          if (alert !== undefined && !seen.has(w.alertname)) seen.set(w.alertname, { seconds: (Date.now() - since) / 1000, alert });
        }
        return wanted.every((w) => seen.has(w.alertname)) ? true : undefined;
      }, timeoutMs);
    };
    const report = (): string =>
      INDUCED.map((w) => {
        const hit = seen.get(w.alertname);
        return `${w.alertname}${JSON.stringify(w.labels)} (${w.how}): ${hit === undefined ? 'NOT RAISED' : `first seen ${hit.alert.state} ${hit.seconds.toFixed(0)} s after`}`;
      }).join('\n  ');

    // While everything runs: the sink's dead letter of the first phase (timed from the poison records).
    await watch('running', poisonedAt, 60_000);
    const before = await api.alerts();
    expect(before.filter((a) => a.labels['alertname'] === 'TributaryConsumerGroupWithoutMembers').map((a) => a.labels), 'every group has members before the sink stops').toEqual([]);
    expect(before.filter((a) => a.labels['alertname'] === 'TributaryTargetDown').map((a) => a.labels), 'every target is up before the sink stops').toEqual([]);

    const stoppedAt = Date.now();
    const exit = await fixture.pipeline.get('sink')?.stop(30_000);
    expect(exit).toMatchObject({ code: 0, killed: false });
    let flooding = true;
    const flood = (async () => {
      let refused = 0;
      while (flooding) {
        const answers = await Promise.all(Array.from({ length: 5 }, async () => await client.post('{"containerId": "MSCU1234565", "eventTime": ', 'application/x-ndjson')));
        refused += answers.filter((a) => a.status === 400).length;
        await new Promise((r) => setTimeout(r, 200));
      }
      return refused;
    })();
    // Spread over ~40 s, so input keeps flowing while the alerts are watched.
    const feeding = feed(client, [...posts.slice(split), ...fleet.flushPosts()], { batchSize: 250, readingsPerSecond: 300 });
    await watch('sink-stopped', stoppedAt, 150_000);
    flooding = false;
    const refused = await flood;
    await feeding;

    console.log(`alerts induced:\n  ${report()}`);
    expect(refused, 'malformed bodies refused with 400').toBeGreaterThan(0);
    expect(
      INDUCED.filter((w) => !seen.has(w.alertname)).map((w) => w.alertname),
      `alerts not raised in time:\n  ${report()}\nactive: ${JSON.stringify(last.map((a) => a.labels))}`,
    ).toEqual([]);
    // Raised for what we did, not for the groups and targets that kept running.
    const active = await api.alerts();
    expect(active.filter((a) => a.labels['alertname'] === 'TributaryConsumerGroupWithoutMembers').map((a) => a.labels['group'])).toEqual(['coldchain-sink']);
    expect(active.filter((a) => a.labels['alertname'] === 'TributaryTargetDown').map((a) => a.labels['job'])).toEqual(['sink']);
    // The annotations render against live data (no template errors, no missing labels).
    for (const { alert } of seen.values()) {
      for (const text of Object.values(alert.annotations)) expect(text, alert.labels['alertname']).not.toMatch(/<no value>|\{\{/);
    }
  }, 300_000);

  it('rules not induced in a test of this length (restore slow/stalled, model drift, task failures, failed app, no commits, operator lag): they evaluate, and each part of their expression without its threshold returns data', async () => {
    const rules = await api.alertRules();
    expect(rules.map((r) => r.name).sort()).toEqual(expect.arrayContaining(INDUCED.map((w) => w.alertname)));
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`), 'rules that failed to evaluate').toEqual([]);

    const induced = new Set(INDUCED.map((w) => w.alertname));
    const rest = rules.filter((r) => !induced.has(r.name));
    expect(rest.length).toBeGreaterThan(0);
    const missing: string[] = [];
    for (const rule of rest) {
      for (const part of thresholdFreeParts(rule.query)) {
        if ((await api.query(part)).length === 0) missing.push(`${rule.name}: ${part}`);
      }
    }
    expect(missing, 'parts of alert expressions with no data').toEqual([]);
  }, 120_000);
});
