export {
  buildTopology,
  buildRecordsTopology,
  DEFAULT_SCORE_TOPICS,
  SCORE_NODES,
  type ScoreTopics,
  type ScoreSerdes,
  type ScoreTopologyOptions,
  type ScoreModelOptions,
  type RecordsTopologyOptions,
} from './topology.js';
export { type OutputBuilder, type BuiltOutput, type ScoredRow, type ScoreSummary } from './output/output-builder.js';
export { WINDOW_OUTPUT } from './output/window-output.js';
export { recordOutput, type GenericRecord } from './records/record-output.js';
export { planRecordOutput, COMPUTED_FIELDS, type ComputedField, type OutputField, type RecordOutputPlan, type RecordSchemaCheck } from './records/schema-check.js';
export { decisionFor, severityOf, DECISIONS, type DecisionKind } from './records/decision.js';
export { prepareRecords, shadowSerde, type PreparedRecords, type RecordsConfig } from './records/start.js';
export { ScoreProcessor, SCORES_CHILD, ALERTS_CHILD, type ScoreObserver, type PendingInput } from './topology/score-processor.js';
export { loadConfig, scoreEnv, DEFAULT_MODEL_PATH, type ScoreConfig } from './config.js';
export { avroScoreSerdes, type AvroScoreSerdes } from './serdes.js';
export { scoreMetrics, type ScoreMetricsOptions } from './metrics.js';
export { FeatureDrift, driftFor, type DriftSetup } from './drift/feature-drift.js';
export { driftMetrics } from './drift/drift-metrics.js';
export { binIndex, quantileBins, populationStabilityIndex, PSI_EPSILON, type BinnedDistribution } from './drift/psi.js';
export { loadScoringModel, type ScoringModel, type ScoringModelOptions } from './scoring-model.js';
export { FeatureExtractor, parseFeatures, formatFeatures, checkFeaturePaths, type FeatureSpec } from './features/feature-spec.js';
export { featuresForModel, type ModelFeatureOptions } from './features/model-features.js';
export { numericPaths } from './features/numeric-paths.js';
export { OnnxScorer, metadataPathFor, type BatchScorer, type BatchScores } from './model/onnx-scorer.js';
export { loadModel, resolveMetadata, embeddedMetadata, type LoadedModel, type ModelLoad, type ModelRefusal } from './model/model-loader.js';
export { resolveContract, PROBABILITY_OUTPUT_NAMES, DEFAULT_POSITIVE_CLASS, type ModelContract } from './model/model-contract.js';
export {
  parseModelMetadata,
  defaultFeatureItems,
  EMBEDDED_METADATA_KEY,
  type ModelMetadata,
  type Standardization,
  type TrainingData,
  type ModelEvaluation,
} from './model/model-metadata.js';
export {
  writeLogisticRegressionOnnx,
  OPSET_VERSION,
  IR_VERSION,
  DEFAULT_INPUT_NAME,
  DEFAULT_OUTPUT_NAME,
  DEFAULT_CONTRIBUTIONS_NAME,
  type LogisticRegressionModel,
} from './model/onnx-writer.js';
export {
  writeTreeEnsembleClassifierOnnx,
  writeLinearClassifierOnnx,
  ML_DOMAIN,
  ML_OPSET_VERSION,
  type ClassifierCommon,
  type TreeNode,
  type TreeEnsembleClassifierModel,
  type LinearClassifierModel,
} from './model/onnx-ml-writer.js';
export { inspectOnnx, withoutZipMap, withMetadataProp, elemTypeName, type OnnxDescription, type OnnxValue, type ZipMapNode } from './model/onnx-inspect.js';
export { scoreBatch, scoreRows, type ScoringInput, type ScoredWindow } from './scoring/score-batch.js';
export { alertFor, alertId, reasonsOf, uuidV5, formatValue, ALERT_ID_NAMESPACE, DEFAULT_ALERT_POLICY, type AlertPolicy } from './scoring/alerts.js';
export { ModelError, MissingAggregateError, InferenceError } from './errors.js';
export { ModelHolder, fixedModel, type ModelSource, type ModelLease, type HeldModel } from './registry/model-holder.js';
export { encodeEnvelope, decodeEnvelope, envelopeFor, envelopeBytes, checkBytes, sha256Hex, DEFAULT_INLINE_MAX_BYTES, type ModelEnvelope, type EnvelopeDecode } from './registry/model-envelope.js';
export { ModelFollower, applyPublication, type ModelFollowerStatus, type ModelRefused, type RefusalReason } from './registry/model-follower.js';
export { publishModel, rollbackModel, listModels, checkModel, type ModelListing, type PublishOptions } from './registry/model-publisher.js';
export { historyTopic, ensureModelsTopics } from './registry/models-topic.js';
export { hotReload, type HotReload } from './registry/hot-reload.js';
export { modelRefusalsCounter } from './metrics.js';
export { scoreShadow, SHADOW_CHILD, type ShadowObserver, type ShadowWindow } from './topology/shadow.js';
export { shadowMetrics } from './metrics.js';
export { shadowTopic } from './topology.js';
export { type OptionalModelSource } from './registry/model-holder.js';
export { RemoteScorer, type RemoteScorerOptions, type RemoteObserver } from './remote/remote-scorer.js';
export { RemoteModelError, REMOTE_OUTCOMES, type RemoteOutcome } from './remote/remote-errors.js';
export { remoteEndpoint, type RemoteEndpoint, type RemoteProtocol, type ScoreRequest, type ScoreResponse } from './remote/remote-protocol.js';
export { loadRemoteScoringModel, fetchRemoteMetadata, remoteScoringModel, type RemoteScoringModel, type RemoteModelOptions } from './remote/remote-model.js';
export { remoteMetrics } from './remote/remote-metrics.js';
export { buildModelServer, loadServedModel } from './remote/model-server.js';
export type { BatchInfo } from './model/onnx-scorer.js';
