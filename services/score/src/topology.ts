/**
 * What the score operator computes: window aggregates → a RiskScore per
 * window, and an Alert per window whose risk reaches the threshold. One
 * sub-topology, stateless; the model runs in the processor's flush, once
 * per commit (see topology/score-processor.ts).
 */
import { TopologyBuilder, string, type Serde, type Topology } from '@tributary/streams';
import type { Alert, RiskScore, WindowAggregate } from '@tributary/schemas';
import type { FeatureExtractor } from './features/feature-spec.js';
import type { BatchScorer } from './model/onnx-scorer.js';
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

export interface ScoreTopologyOptions {
  readonly serdes: ScoreSerdes;
  readonly topics?: Partial<ScoreTopics>;
  /** The model; shared by every task of the app (onnxruntime sessions may run concurrently). Ignored when `model` is given. */
  readonly scorer?: BatchScorer;
  /** Features in the model's input order (see `featuresForModel`). Ignored when `model` is given. */
  readonly features?: FeatureExtractor;
  /** Where each batch takes its model from (a ModelHolder for hot reload); default `fixedModel(scorer, features)`. */
  readonly model?: ModelSource;
  /** A candidate model scoring the same batches (shadow scoring); its RiskScores go to `shadowScores` (default `<scores>.shadow`), no alerts. */
  readonly shadow?: OptionalModelSource | undefined;
  /** The shadow scores' topic; default `<scores>.shadow`. */
  readonly shadowScores?: string | undefined;
  readonly policy?: AlertPolicy;
  readonly observer?: ScoreObserver;
}

/** Node names, stable as the topology evolves. */
export const SCORE_NODES = { source: 'aggregates', processor: 'score', scores: SCORES_CHILD, alerts: ALERTS_CHILD, shadow: SHADOW_CHILD } as const;

/** Where shadow scores go by default: `<scores>.shadow`. */
export const shadowTopic = (scores: string): string => `${scores}.shadow`;

export function buildTopology(options: ScoreTopologyOptions): Topology {
  const topics = { ...DEFAULT_SCORE_TOPICS, ...options.topics };
  const policy = options.policy ?? DEFAULT_ALERT_POLICY;
  const { scorer, features, observer, serdes } = options;
  let model = options.model;
  if (model === undefined) {
    if (scorer === undefined || features === undefined) throw new TypeError('buildTopology needs a model, or a scorer and its features');
    model = fixedModel(scorer, features);
  }
  const source = model;
  const builder = new TopologyBuilder()
    .addSource(SCORE_NODES.source, [topics.input], { key: string(), value: serdes.aggregate })
    .addProcessor(SCORE_NODES.processor, () => new ScoreProcessor(source, policy, observer, options.shadow), [SCORE_NODES.source])
    .addSink(SCORE_NODES.scores, topics.scores, { key: string(), value: serdes.score }, [SCORE_NODES.processor])
    .addSink(SCORE_NODES.alerts, topics.alerts, { key: string(), value: serdes.alert }, [SCORE_NODES.processor]);
  if (options.shadow !== undefined) builder.addSink(SCORE_NODES.shadow, options.shadowScores ?? shadowTopic(topics.scores), { key: string(), value: serdes.score }, [SCORE_NODES.processor]);
  return builder.build();
}
