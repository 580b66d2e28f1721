/**
 * The score service: configuration from the environment → in records mode
 * the registered input/output schemas, checked → the model (ONNX, checked
 * against its model.json and FEATURES) → the score topology over Avro
 * serdes (windows or records mode: the same processor, another output
 * builder) → a StreamsApp run by the service shell (`/healthz`, `/readyz`,
 * `/metrics`).
 *
 *   node --import tsx --conditions=source services/score/src/main.ts
 */
import { StreamsApp } from '@tributary/streams';
import { kafkaConfig, registryClient, runService, streamsOperator, streamsSettings, type Operator } from '@tributary/service';
import { loadConfig } from './config.js';
import { driftFor } from './drift/feature-drift.js';
import { formatFeatures } from './features/feature-spec.js';
import { scoreMetrics, shadowMetrics } from './metrics.js';
import { hotReload } from './registry/hot-reload.js';
import { describeRemote, remoteModelSource, remoteScoringModel } from './remote/remote-model.js';
import { prepareRecords, shadowSerde } from './records/start.js';
import { loadScoringModel } from './scoring-model.js';
import { avroScoreSerdes } from './serdes.js';
import { buildRecordsTopology, buildTopology, shadowTopic } from './topology.js';

const config = loadConfig();

/** The operator, with the model released once it has stopped, and the model in use in `/readyz`. */
function releasingModel(operator: Operator, release: () => Promise<void>, detail?: () => Record<string, unknown>): Operator {
  return {
    get ready() {
      return operator.ready;
    },
    get detail() {
      return detail?.();
    },
    get healthy() {
      return operator.healthy ?? true;
    },
    start: () => operator.start(),
    stop: async () => {
      try {
        await operator.stop();
      } finally {
        await release();
      }
    },
  };
}

await runService({
  name: 'score',
  http: config,
  build: async (ctx) => {
    const schemaRegistry = registryClient(config);
    // Records mode (README "Records mode"): the registered schemas first, as FEATURES are checked against the input schema's paths.
    const records = config.SCORE_MODE === 'records' ? await prepareRecords(config, schemaRegistry) : undefined;
    if (records !== undefined) {
      ctx.log.info(
        { input: records.schemas.input, output: records.schemas.output, computed: records.plan.fields.filter((f) => f.source === 'computed').map((f) => f.name), copied: records.plan.fields.filter((f) => f.source === 'copy').map((f) => f.name) },
        'records mode: output built from the output schema',
      );
    }
    const inputPaths = records?.numericPaths;
    // MODEL_ENDPOINT: the model runs in a model server (README "Remote models"), else in-process.
    const loaded =
      config.MODEL_ENDPOINT === undefined
        ? await loadScoringModel({
            modelPath: config.MODEL_PATH,
            metadataPath: config.MODEL_METADATA_PATH,
            features: config.FEATURES,
            nullValue: config.FEATURE_NULL_VALUE,
            numericPaths: inputPaths,
          })
        : await remoteScoringModel({ ...config, MODEL_ENDPOINT: config.MODEL_ENDPOINT }, ctx.registry, inputPaths);
    const { scorer, features } = loaded;
    const model = scorer.metadata;
    ctx.log.info(
      {
        model: model.name,
        version: model.version,
        horizonMinutes: model.horizonMinutes,
        features: formatFeatures(features.specs),
        nullValue: features.nullValue,
        standardized: Object.keys(model.standardization ?? {}),
        ...('metadataSource' in loaded ? { remote: describeRemote(loaded) } : { probability: loaded.scorer.contract.reads }),
      },
      'model loaded',
    );
    if (model.threshold !== undefined && model.threshold !== config.ALERT_THRESHOLD) {
      ctx.log.info({ alertThreshold: config.ALERT_THRESHOLD, modelSuggests: model.threshold }, 'ALERT_THRESHOLD differs from the threshold the model card suggests');
    }
    const { drift, reason } = driftFor(model, config.DRIFT_WINDOW_ROWS);
    if (drift === undefined) ctx.log.info({ model: model.name }, `no drift metrics: ${reason}`);
    else ctx.log.info({ model: model.name, windowRows: drift.windowRows }, 'drift metrics: PSI per feature against the training distribution, once the window is full');
    const kafka = kafkaConfig(config, ctx.clientId);
    // Shadow scoring (SHADOW_MODEL_NAME): a candidate's scores beside the live ones, in the same transaction (README "Shadow scoring").
    const shadowScoresTopic = config.SHADOW_MODEL_NAME === undefined ? undefined : (config.SHADOW_SCORES_TOPIC ?? shadowTopic(config.SCORES_TOPIC));
    const reload =
      'metadataSource' in loaded
        ? remoteModelSource(loaded)
        : hotReload({ initial: loaded, modelsTopic: config.MODELS_TOPIC, modelName: config.MODEL_NAME, shadowModelName: config.SHADOW_MODEL_NAME, shadowScoresTopic, scoresTopic: config.SCORES_TOPIC, features: config.FEATURES, nullValue: config.FEATURE_NULL_VALUE, numericPaths: inputPaths, kafka, log: ctx.log, registry: ctx.registry });
    const common = {
      model: reload.model,
      shadow: reload.shadow,
      shadowScores: shadowScoresTopic,
      policy: { threshold: config.ALERT_THRESHOLD, criticalThreshold: config.CRITICAL_THRESHOLD, maxReasons: config.ALERT_MAX_REASONS },
      observer: { ...scoreMetrics(ctx.registry, model, { drift }), ...(shadowScoresTopic !== undefined ? shadowMetrics(ctx.registry, config.ALERT_THRESHOLD) : {}) },
    };
    let topology;
    if (records === undefined) {
      const serdes = avroScoreSerdes(schemaRegistry, { autoRegister: config.SCHEMA_AUTO_REGISTER });
      // Registers (or, with SCHEMA_AUTO_REGISTER=false, looks up) the output schemas now: a missing one fails the start, not the first commit.
      await serdes.score.prepare(config.SCORES_TOPIC);
      await serdes.alert.prepare(config.ALERTS_TOPIC);
      if (shadowScoresTopic !== undefined) await serdes.score.prepare(shadowScoresTopic);
      await reload.start();
      topology = buildTopology({ ...common, serdes, topics: { input: config.INPUT_TOPIC, scores: config.SCORES_TOPIC, alerts: config.ALERTS_TOPIC } });
    } else {
      // No alerts topic in records mode: the decision field carries what an alert would.
      const shadow = shadowScoresTopic === undefined ? undefined : await shadowSerde(records, schemaRegistry, shadowScoresTopic, config.SCHEMA_AUTO_REGISTER);
      await reload.start();
      topology = buildRecordsTopology({ ...common, serdes: { ...records.serdes, shadow }, topics: { input: config.INPUT_TOPIC, scores: config.SCORES_TOPIC }, output: records.output });
    }
    ctx.log.info({ applicationId: config.APPLICATION_ID, topology: topology.describe(config.APPLICATION_ID) }, 'topology');
    const app = new StreamsApp(topology, {
      applicationId: config.APPLICATION_ID,
      kafka,
      ...streamsSettings(config),
      errorPolicy: 'dlq',
      instrumentation: ctx.instrumentation,
      log: ctx.streamsLog,
    });
    return releasingModel(streamsOperator(app, { registry: ctx.registry, kafka }), () => reload.stop(), () => reload.detail);
  },
});
