/**
 * The pipeline's backlog over time, sampled once a second: each operator's
 * consumer lag from its /metrics (`tributary_consumer_lag` on its input
 * topic; the sink's `tributary_sink_consumer_lag`), ingest's accepted count,
 * and what the bench's own watchers have not seen come out yet.
 */
import { OPERATORS, type LocalPipeline, type OperatorName } from '../../../e2e/src/pipeline/local-pipeline.js';
import { scrape, sumOf } from '../../../e2e/src/pipeline/metrics.js';
import { PIPELINE_TOPICS } from '../../../e2e/src/pipeline/topics.js';
import type { Timeline } from './timeline.js';

export interface BacklogSample {
  readonly at: number;
  readonly phase: number;
  /** Consumer lag (records) of enrich on readings, aggregate on enriched readings, score on aggregates, the sink on its topics. */
  readonly enrich: number;
  readonly aggregate: number;
  readonly score: number;
  readonly sink: number;
  /** tributary_ingest_records_total{outcome="accepted"}. */
  readonly ingestAccepted: number;
  /** Readings accepted by ingest and not yet seen enriched; windows seen aggregated and not yet in PostgreSQL. */
  readonly readingsInFlight: number;
  readonly windowsInFlight: number;
}

/** enrich + aggregate + score lag: records the stream operators have not read yet. */
export const streamBacklog = (s: BacklogSample): number => s.enrich + s.aggregate + s.score;

export class BacklogSampler {
  readonly samples: BacklogSample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(
    private readonly pipeline: LocalPipeline,
    private readonly timeline: Timeline,
    private readonly everyMs = 1000,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.#sample(), this.everyMs);
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  async #sample(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const at = Date.now();
      const phase = this.timeline.phase;
      const scraped = await Promise.all(OPERATORS.map(async (name) => [name, await scrape(this.pipeline.url(name))] as const));
      const metrics = new Map<OperatorName, Awaited<ReturnType<typeof scrape>>>(scraped);
      const lag = (name: OperatorName, topic: string) => sumOf(metrics.get(name) ?? [], 'tributary_consumer_lag', { topic });
      this.samples.push({
        at,
        phase,
        enrich: lag('enrich', PIPELINE_TOPICS.readings),
        aggregate: lag('aggregate', PIPELINE_TOPICS.enriched),
        score: lag('score', PIPELINE_TOPICS.aggregates),
        sink: sumOf(metrics.get('sink') ?? [], 'tributary_sink_consumer_lag'),
        ingestAccepted: sumOf(metrics.get('ingest') ?? [], 'tributary_ingest_records_total', { outcome: 'accepted' }),
        readingsInFlight: this.timeline.readingsInFlight,
        windowsInFlight: this.timeline.windowsInFlight,
      });
    } finally {
      this.#busy = false;
    }
  }
}
