/** The score operator's own Prometheus metrics (the runtime's tributary_* metrics come from the service shell). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { driftMetrics } from './drift/drift-metrics.js';
import type { FeatureDrift } from './drift/feature-drift.js';
import type { ModelMetadata } from './model/model-metadata.js';
import type { ScoreObserver } from './topology/score-processor.js';
import type { ShadowObserver } from './topology/shadow.js';

export interface ScoreMetricsOptions {
  /** Drift of the inputs against the training distribution (see FeatureDrift.forModel); none: no drift metrics. */
  readonly drift?: FeatureDrift | undefined;
}

/**
 * Registers the metrics and returns the observer that feeds them. Counts are
 * taken when a batch is scored, before its transaction commits: an aborted
 * transaction's windows count again when they are reprocessed (and enter
 * the drift window twice).
 */
export function scoreMetrics(registry: Registry, model: Pick<ModelMetadata, 'name' | 'version'> & Partial<Pick<ModelMetadata, 'features'>>, options: ScoreMetricsOptions = {}): ScoreObserver {
  const info = new Gauge({
    name: 'tributary_score_model_info',
    help: 'The model this instance scores with (value 1), by name and version.',
    labelNames: ['model', 'version'],
    registers: [registry],
  });
  info.set({ model: model.name, version: model.version }, 1);
  let live = `${model.name}\u0000${model.version}`;
  const scores = new Counter({ name: 'tributary_score_scores_total', help: 'Windows scored.', registers: [registry] });
  const alerts = new Counter({ name: 'tributary_score_alerts_total', help: 'Alerts raised, by severity.', labelNames: ['severity'], registers: [registry] });
  const risk = new Histogram({
    name: 'tributary_score_risk',
    help: 'Distribution of the risk scores (a shift here without a change of model is drift in the input).',
    // A probability in [0, 1]. Failing windows are rare, so most risks sit far below 0.05: the low buckets
    // show a shift in that bulk, the 0.1-steps the thresholds (ALERT_THRESHOLD, CRITICAL_THRESHOLD).
    buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99],
    registers: [registry],
  });
  const inference = new Histogram({
    name: 'tributary_score_inference_seconds',
    help: 'Time of one model call (one batch: everything a task processed since its last commit).',
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [registry],
  });
  const batchRows = new Histogram({
    name: 'tributary_score_batch_rows',
    help: 'Rows per model call.',
    buckets: [1, 10, 100, 1_000, 10_000],
    registers: [registry],
  });
  const drift = options.drift === undefined ? undefined : driftMetrics(registry, model.name, options.drift);
  // The drift window holds the start model's features against its training distribution: a hot-reloaded
  // version that takes other features (or another order) does not feed it.
  const driftFeatures = model.features?.join(',');
  let driftApplies = true;
  return {
    modelUsed: (used) => {
      driftApplies = driftFeatures === undefined || used.features.join(',') === driftFeatures;
      const id = `${used.name}\u0000${used.version}`;
      if (id === live) return;
      live = id;
      info.reset();
      info.set({ model: used.name, version: used.version }, 1);
    },
    ...(drift === undefined
      ? {}
      : {
          inputsScored: (rows: readonly (readonly number[])[]) => {
            if (driftApplies) drift(rows);
          },
        }),
    batchScored: (rows, seconds) => {
      inference.observe(seconds);
      batchRows.observe(rows);
    },
    scored: (score) => {
      scores.inc();
      risk.observe(score.risk);
    },
    alerted: (severity) => alerts.inc({ severity }),
  };
}

/** `tributary_score_model_refusals_total{model,version,reason}`: publications of the models topic refused by the hot reload. */
export function modelRefusalsCounter(registry: Registry): Counter<'model' | 'version' | 'reason'> {
  return new Counter({
    name: 'tributary_score_model_refusals_total',
    help: 'Model publications refused by the hot reload (the operator kept its model), by model, version and reason.',
    labelNames: ['model', 'version', 'reason'],
    registers: [registry],
  });
}

/**
 * Shadow scoring's comparison with the live model (see README "Shadow
 * scoring"): per window scored by both, whether they fall on the same side
 * of the alert threshold (`tributary_score_shadow_agreement_ratio`, over the
 * windows compared since the pair of versions last changed) and how far
 * apart the risks are (`tributary_score_shadow_delta`).
 */
export function shadowMetrics(registry: Registry, threshold: number): Required<ShadowObserver> {
  const agreement = new Gauge({
    name: 'tributary_score_shadow_agreement_ratio',
    help: 'Share of the windows on which the shadow model and the live one fall on the same side of ALERT_THRESHOLD, since this pair of versions started.',
    labelNames: ['model', 'version', 'shadow_model', 'shadow_version'],
    registers: [registry],
  });
  const delta = new Histogram({
    name: 'tributary_score_shadow_delta',
    help: '|live risk − shadow risk| per window scored by both.',
    buckets: [0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1],
    registers: [registry],
  });
  const compared = new Counter({ name: 'tributary_score_shadow_scores_total', help: 'Windows scored by the shadow model.', registers: [registry] });
  const failures = new Counter({ name: 'tributary_score_shadow_failures_total', help: 'Batches the shadow model failed on (they have no shadow scores).', labelNames: ['shadow_model', 'shadow_version'], registers: [registry] });
  let pair = '';
  let same = 0;
  let total = 0;
  return {
    shadowCompared: (live, shadow) => {
      const labels = { model: live.modelName, version: live.modelVersion, shadow_model: shadow.modelName, shadow_version: shadow.modelVersion };
      const id = Object.values(labels).join('\u0000');
      if (id !== pair) {
        pair = id;
        same = 0;
        total = 0;
        agreement.reset();
      }
      total++;
      if (live.risk >= threshold === shadow.risk >= threshold) same++;
      agreement.set(labels, same / total);
      delta.observe(Math.abs(live.risk - shadow.risk));
      compared.inc();
    },
    shadowFailed: (_error, model) => failures.inc({ shadow_model: model.name, shadow_version: model.version }),
  };
}
