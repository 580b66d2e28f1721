/**
 * The score processor: computes each window's features as it arrives,
 * scores everything buffered since the last commit as one tensor when the
 * runtime flushes it, and forwards a RiskScore per window (child
 * `scores-sink`) and an Alert per risky window (child `alerts-sink`).
 *
 * Why `flush()`: `process()` is synchronous, onnxruntime-node only runs
 * models asynchronously, and one call per record would be ~1000× slower
 * than one tensor per batch. The task awaits `Processor.flush()` before it
 * gathers a commit's outputs, so the scores and alerts forwarded there go
 * out in the same transaction as the offsets of the windows they score
 * (exactly-once). `abort()` drops the buffer when the task drops its
 * uncommitted work: the runtime rewinds and those windows come again.
 *
 * The model comes from a ModelSource: one lease per flush, so a batch is
 * scored entirely by one model even when a hot reload swaps it meanwhile
 * (the features are computed at flush too, with that model's extractor: a
 * new version may take other features).
 */
import type { Processor, ProcessorContext, StreamRecord } from '@tributary/streams';
import type { Alert, RiskScore, Severity, WindowAggregate } from '@tributary/schemas';
import { MissingAggregateError } from '../errors.js';
import type { ModelMetadata } from '../model/model-metadata.js';
import type { ModelSource, OptionalModelSource } from '../registry/model-holder.js';
import type { AlertPolicy } from '../scoring/alerts.js';
import { scoreBatch, type ScoringInput } from '../scoring/score-batch.js';
import { scoreShadow, SHADOW_CHILD, type ShadowObserver } from './shadow.js';

/** Names of the processor's children (the two sinks). */
export const SCORES_CHILD = 'scores-sink';
export const ALERTS_CHILD = 'alerts-sink';

/**
 * Hooks for metrics. Called when a batch was scored, before its
 * transaction commits: an aborted transaction's windows are scored and
 * counted again when they are reprocessed.
 */
export interface ScoreObserver extends ShadowObserver {
  /** The model that scores the batch about to be scored (once per batch, before `batchScored`). */
  modelUsed?(metadata: ModelMetadata): void;
  batchScored?(rows: number, seconds: number): void;
  /** The feature rows the model saw in one batch (model input order), once per batch. */
  inputsScored?(features: readonly (readonly number[])[]): void;
  scored?(score: RiskScore): void;
  alerted?(severity: Severity): void;
}

interface Pending {
  readonly key: string;
  readonly timestamp: number;
  readonly aggregate: WindowAggregate;
}

export class ScoreProcessor implements Processor<string, WindowAggregate | null, string, RiskScore | Alert> {
  readonly #model: ModelSource;
  readonly #policy: AlertPolicy;
  readonly #observer: ScoreObserver;
  readonly #shadow: OptionalModelSource | undefined;
  #context: ProcessorContext<string, RiskScore | Alert> | undefined;
  #pending: Pending[] = [];
  /** `<applicationId>/<taskId>/<topic>-<partition>@<offset>` of the batch's first record: a remote model's Idempotency-Key. */
  #batchId: string | undefined;

  /** `model`: `fixedModel(scorer, features)`, or a ModelHolder that a hot reload swaps; `shadow`: a candidate scoring the same batches to SHADOW_CHILD. */
  constructor(model: ModelSource, policy: AlertPolicy, observer: ScoreObserver = {}, shadow?: OptionalModelSource) {
    this.#model = model;
    this.#shadow = shadow;
    this.#policy = policy;
    this.#observer = observer;
  }

  init(context: ProcessorContext<string, RiskScore | Alert>): void {
    this.#context = context;
  }

  /** Buffers the window; a tombstone throws (the runtime dead-letters it). */
  process(record: StreamRecord<string, WindowAggregate | null>): void {
    const aggregate = record.value;
    if (aggregate === null || aggregate === undefined) throw new MissingAggregateError(record.key);
    if (this.#pending.length === 0) this.#batchId = this.#firstRecordId();
    this.#pending.push({ key: aggregate.containerId, timestamp: record.timestamp, aggregate });
  }

  #firstRecordId(): string | undefined {
    const context = this.#context;
    const at = context?.recordMetadata();
    return context === undefined || at === undefined ? undefined : `${context.applicationId}/${context.taskId}/${at.topic}-${at.partition}@${at.offset}`;
  }

  get pending(): number {
    return this.#pending.length;
  }

  /** Scores the buffered windows with one model call, all with one model; awaited by the task before the commit that covers them. */
  async flush(): Promise<void> {
    const context = this.#context;
    if (this.#pending.length === 0 || context === undefined) return;
    const batch = this.#pending;
    this.#pending = [];
    const lease = this.#model.acquire();
    let results;
    let inputs: ScoringInput[];
    try {
      this.#observer.modelUsed?.(lease.scorer.metadata);
      inputs = batch.map((p) => ({ aggregate: p.aggregate, features: lease.features.extract(p.aggregate) }));
      const started = performance.now();
      results = await scoreBatch(lease.scorer, inputs, this.#policy, new Date(context.currentSystemTime()), { id: this.#batchId });
      this.#observer.batchScored?.(batch.length, (performance.now() - started) / 1000);
    } finally {
      lease.release();
    }
    this.#observer.inputsScored?.(inputs.map((p) => p.features));
    results.forEach(({ score, alert }, i) => {
      const { key, timestamp } = batch[i] as Pending;
      context.forward({ key, value: score, timestamp }, SCORES_CHILD);
      this.#observer.scored?.(score);
      if (alert !== undefined) {
        context.forward({ key, value: alert, timestamp }, ALERTS_CHILD);
        this.#observer.alerted?.(alert.severity);
      }
    });
    if (this.#shadow !== undefined) {
      await scoreShadow(this.#shadow, batch, results, this.#policy, new Date(context.currentSystemTime()), (r) => context.forward(r, SHADOW_CHILD), this.#observer);
    }
  }

  /** The task dropped its uncommitted work: forget the buffered windows (they will be processed again). */
  abort(): void {
    this.#pending = [];
  }

  close(): void {
    this.#pending = [];
  }
}
