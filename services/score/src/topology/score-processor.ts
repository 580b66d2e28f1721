/**
 * The score processor: buffers each input record as it arrives, scores
 * everything buffered since the last commit as one tensor when the runtime
 * flushes it, and forwards what the mode's OutputBuilder makes of each row:
 * a score record (child `scores-sink`) and, in windows mode, an Alert per
 * risky window (child `alerts-sink`). One processor for every mode: the
 * builder is the only difference (windows: RiskScore + Alert; records: a
 * record shaped by the output schema).
 *
 * Why `flush()`: `process()` is synchronous, onnxruntime-node only runs
 * models asynchronously, and one call per record would be ~1000× slower
 * than one tensor per batch. The task awaits `Processor.flush()` before it
 * gathers a commit's outputs, so the records forwarded there go out in the
 * same transaction as the offsets of the inputs they score (exactly-once).
 * `abort()` drops the buffer when the task drops its uncommitted work: the
 * runtime rewinds and those inputs come again.
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
import type { BuiltOutput, OutputBuilder, ScoredRow, ScoreSummary } from '../output/output-builder.js';
import { WINDOW_OUTPUT } from '../output/window-output.js';
import type { ModelSource, OptionalModelSource } from '../registry/model-holder.js';
import type { AlertPolicy } from '../scoring/alerts.js';
import { scoreRows } from '../scoring/score-batch.js';
import { scoreShadow, SHADOW_CHILD, type ShadowObserver } from './shadow.js';

/** Names of the processor's children (the two sinks). */
export const SCORES_CHILD = 'scores-sink';
export const ALERTS_CHILD = 'alerts-sink';

/**
 * Hooks for metrics. Called when a batch was scored, before its
 * transaction commits: an aborted transaction's inputs are scored and
 * counted again when they are reprocessed.
 */
export interface ScoreObserver extends ShadowObserver {
  /** The model that scores the batch about to be scored (once per batch, before `batchScored`). */
  modelUsed?(metadata: ModelMetadata): void;
  batchScored?(rows: number, seconds: number): void;
  /** The feature rows the model saw in one batch (model input order), once per batch. */
  inputsScored?(features: readonly (readonly number[])[]): void;
  /** One input scored: in windows mode the RiskScore itself, in records mode its risk and model. */
  scored?(score: ScoreSummary): void;
  /** An alert raised (windows mode) or a REVIEW (WARNING) / DECLINE (CRITICAL) decision (records mode). */
  alerted?(severity: Severity): void;
}

/** A buffered input: its output key, its timestamp and its value. */
export interface PendingInput<In> {
  readonly key: string;
  readonly timestamp: number;
  readonly input: In;
}

export class ScoreProcessor<In extends object = WindowAggregate, Out = RiskScore> implements Processor<string, In | null, string, Out | Alert> {
  readonly #model: ModelSource;
  readonly #policy: AlertPolicy;
  readonly #observer: ScoreObserver;
  readonly #shadow: OptionalModelSource | undefined;
  readonly #output: OutputBuilder<In, Out>;
  #context: ProcessorContext<string, Out | Alert> | undefined;
  #pending: PendingInput<In>[] = [];
  /** `<applicationId>/<taskId>/<topic>-<partition>@<offset>` of the batch's first record: a remote model's Idempotency-Key. */
  #batchId: string | undefined;

  /**
   * `model`: `fixedModel(scorer, features)`, or a ModelHolder that a hot reload swaps; `shadow`: a candidate scoring the same
   * batches to SHADOW_CHILD; `output`: the mode's builder (default: windows mode, WindowAggregate → RiskScore + Alert).
   */
  constructor(model: ModelSource, policy: AlertPolicy, observer: ScoreObserver = {}, shadow?: OptionalModelSource, output?: OutputBuilder<In, Out>) {
    this.#model = model;
    this.#shadow = shadow;
    this.#policy = policy;
    this.#observer = observer;
    // The default type arguments are windows mode's, and so is the default builder.
    this.#output = output ?? (WINDOW_OUTPUT as unknown as OutputBuilder<In, Out>);
  }

  init(context: ProcessorContext<string, Out | Alert>): void {
    this.#context = context;
  }

  /** Buffers the input; a tombstone throws (the runtime dead-letters it). */
  process(record: StreamRecord<string, In | null>): void {
    const input = record.value;
    if (input === null || input === undefined) throw new MissingAggregateError(record.key);
    if (this.#pending.length === 0) this.#batchId = this.#firstRecordId();
    this.#pending.push({ key: this.#output.key(record.key, input), timestamp: record.timestamp, input });
  }

  #firstRecordId(): string | undefined {
    const context = this.#context;
    const at = context?.recordMetadata();
    return context === undefined || at === undefined ? undefined : `${context.applicationId}/${context.taskId}/${at.topic}-${at.partition}@${at.offset}`;
  }

  get pending(): number {
    return this.#pending.length;
  }

  /** Scores the buffered inputs with one model call, all with one model; awaited by the task before the commit that covers them. */
  async flush(): Promise<void> {
    const context = this.#context;
    if (this.#pending.length === 0 || context === undefined) return;
    const batch = this.#pending;
    this.#pending = [];
    const scoredAt = new Date(context.currentSystemTime());
    const lease = this.#model.acquire();
    let built: BuiltOutput<Out>[];
    let features: number[][];
    try {
      this.#observer.modelUsed?.(lease.scorer.metadata);
      features = batch.map((p) => lease.features.extract(p.input));
      const started = performance.now();
      const rows = await scoreRows(lease.scorer, features, scoredAt, { id: this.#batchId });
      built = batch.map((p, i) => this.#output.build(p.input, rows[i] as ScoredRow, this.#policy));
      this.#observer.batchScored?.(batch.length, (performance.now() - started) / 1000);
    } finally {
      lease.release();
    }
    this.#observer.inputsScored?.(features);
    built.forEach(({ value, summary, alert, severity }, i) => {
      const { key, timestamp } = batch[i] as PendingInput<In>;
      context.forward({ key, value, timestamp }, SCORES_CHILD);
      this.#observer.scored?.(summary);
      if (alert !== undefined) context.forward({ key, value: alert, timestamp }, ALERTS_CHILD);
      if (severity !== undefined) this.#observer.alerted?.(severity);
    });
    if (this.#shadow !== undefined) {
      await scoreShadow(this.#shadow, batch, built, this.#output, this.#policy, scoredAt, (r) => context.forward(r, SHADOW_CHILD), this.#observer);
    }
  }

  /** The task dropped its uncommitted work: forget the buffered inputs (they will be processed again). */
  abort(): void {
    this.#pending = [];
  }

  close(): void {
    this.#pending = [];
  }
}
