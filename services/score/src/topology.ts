/**
 * What the score operator computes. Windows mode (`buildTopology`, the
 * cold-chain default): window aggregates → a RiskScore per window, and an
 * Alert per window whose risk reaches the threshold. Records mode
 * (`buildRecordsTopology`, any pipeline): any record → a record shaped by
 * the output schema (risk, decision, copied fields…), no alerts topic. Both
 * are one stateless sub-topology around the same ScoreProcessor; the model
 * runs in its flush, once per commit (see topology/score-processor.ts).
 */
import { TopologyBuilder, string, type Serde, type Topology } from '@tributary/streams';
import type { Alert, RiskScore, WindowAggregate } from '@tributary/schemas';
import type { FeatureExtractor } from './features/feature-spec.js';
import type { BatchScorer } from './model/onnx-scorer.js';
import type { OutputBuilder } from './output/output-builder.js';
import { WINDOW_OUTPUT } from './output/window-output.js';
import { fixedModel, type ModelSource, type OptionalModelSource } from './registry/model-holder.js';
import { SHADOW_CHILD } from './topology/shadow.js';
import { DEFAULT_ALERT_POLICY, type AlertPolicy } from './scoring/alerts.js';
import { ALERTS_CHILD, SCORES_CHILD, ScoreProcessor, type ScoreObserver } from './topology/score-processor.js';

export interface ScoreTopics {
  /** WindowAggregate records, keyed by containerId. */
  readonly input: string;
  /** RiskScore records, keyed by containerId. */
  readonly scores: string;
  /** Alert records, keyed by containerId. */
  readonly alerts: string;
}

export const DEFAULT_SCORE_TOPICS: ScoreTopics = {
  input: 'coldchain.aggregates.1m',
  scores: 'coldchain.scores',
  alerts: 'coldchain.alerts',
};

/** Value serdes of the three topics (keys are UTF-8 strings). Avro over the registry in production. */
export interface ScoreSerdes {
  readonly aggregate: Serde<WindowAggregate>;
  readonly score: Serde<RiskScore>;
  readonly alert: Serde<Alert>;
}

/** The model, shadow, policy and metrics options both modes share. */
export interface ScoreModelOptions {
  /** The model; shared by every task of the app (onnxruntime sessions may run concurrently). Ignored when `model` is given. */
  readonly scorer?: BatchScorer;
  /** Features in the model's input order (see `featuresForModel`). Ignored when `model` is given. */
  readonly features?: FeatureExtractor;
  /** Where each batch takes its model from (a ModelHolder for hot reload); default `fixedModel(scorer, features)`. */
  readonly model?: ModelSource;
  /** A candidate model scoring the same batches (shadow scoring); its scores go to `shadowScores` (default `<scores>.shadow`), no alerts. */
  readonly shadow?: OptionalModelSource | undefined;
  /** The shadow scores' topic; default `<scores>.shadow`. */
  readonly shadowScores?: string | undefined;
  readonly policy?: AlertPolicy;
  readonly observer?: ScoreObserver;
}

export interface ScoreTopologyOptions extends ScoreModelOptions {
  readonly serdes: ScoreSerdes;
  readonly topics?: Partial<ScoreTopics>;
}

/** Records mode: generic records in and out, the output built from the output schema (see records/record-output.ts). */
export interface RecordsTopologyOptions<In extends object, Out> extends ScoreModelOptions {
  /** `shadow`: the shadow topic's serde (default `output`; in production the output schema registered under the shadow topic's subject). */
  readonly serdes: { readonly input: Serde<In>; readonly output: Serde<Out>; readonly shadow?: Serde<Out> | undefined };
  readonly topics: { readonly input: string; readonly scores: string };
  readonly output: OutputBuilder<In, Out>;
}

/** Node names, stable as the topology evolves. */
export const SCORE_NODES = { source: 'aggregates', processor: 'score', scores: SCORES_CHILD, alerts: ALERTS_CHILD, shadow: SHADOW_CHILD } as const;

/** Where shadow scores go by default: `<scores>.shadow`. */
export const shadowTopic = (scores: string): string => `${scores}.shadow`;

function modelSource(options: ScoreModelOptions): ModelSource {
  if (options.model !== undefined) return options.model;
  const { scorer, features } = options;
  if (scorer === undefined || features === undefined) throw new TypeError('buildTopology needs a model, or a scorer and its features');
  return fixedModel(scorer, features);
}

/** The one sub-topology of both modes: source → ScoreProcessor(builder) → scores sink (+ alerts sink, + shadow sink). */
function scoreTopology<In extends object, Out>(
  options: ScoreModelOptions,
  topics: { readonly input: string; readonly scores: string; readonly alerts?: string | undefined },
  serdes: { readonly input: Serde<In>; readonly output: Serde<Out>; readonly alert?: Serde<Alert> | undefined; readonly shadow?: Serde<Out> | undefined },
  output: OutputBuilder<In, Out>,
): Topology {
  const policy = options.policy ?? DEFAULT_ALERT_POLICY;
  const source = modelSource(options);
  const builder = new TopologyBuilder()
    .addSource(SCORE_NODES.source, [topics.input], { key: string(), value: serdes.input })
    .addProcessor(SCORE_NODES.processor, () => new ScoreProcessor<In, Out>(source, policy, options.observer, options.shadow, output), [SCORE_NODES.source])
    .addSink(SCORE_NODES.scores, topics.scores, { key: string(), value: serdes.output }, [SCORE_NODES.processor]);
  if (topics.alerts !== undefined && serdes.alert !== undefined) builder.addSink(SCORE_NODES.alerts, topics.alerts, { key: string(), value: serdes.alert }, [SCORE_NODES.processor]);
  if (options.shadow !== undefined) builder.addSink(SCORE_NODES.shadow, options.shadowScores ?? shadowTopic(topics.scores), { key: string(), value: serdes.shadow ?? serdes.output }, [SCORE_NODES.processor]);
  return builder.build();
}

/** Windows mode (SCORE_MODE=windows): WindowAggregate → RiskScore (+ Alert). */
export function buildTopology(options: ScoreTopologyOptions): Topology {
  const topics = { ...DEFAULT_SCORE_TOPICS, ...options.topics };
  return scoreTopology(options, topics, { input: options.serdes.aggregate, output: options.serdes.score, alert: options.serdes.alert }, WINDOW_OUTPUT);
}

/** Records mode (SCORE_MODE=records): any record → the output schema's record, keyed like the input; no alerts topic. */
export function buildRecordsTopology<In extends object, Out>(options: RecordsTopologyOptions<In, Out>): Topology {
  return scoreTopology(options, options.topics, options.serdes, options.output);
}
