/** The score operator: the risk model over window aggregates, alerts, and drift of its inputs. */
import { heatmap, q, stat, table, timeseries, type DashboardSpec } from '../model.js';
import { mean, quantile, sel, service, sumRate } from '../promql.js';
import { runtimeRow, throughputRow } from './runtime.js';

const S = service('score');

/** Population stability index levels: below 0.1 stable, 0.1–0.25 a moderate shift, above 0.25 a significant one. */
const PSI_THRESHOLDS = [
  { value: 0.1, color: 'orange' },
  { value: 0.25, color: 'red' },
] as const;

/** The score dashboard (services/score/src/metrics.ts, drift included). */
export function scoreDashboard(): DashboardSpec {
  return {
    name: 'score',
    title: 'Tributary / Score',
    description: 'Window aggregates → risk scores and alerts: score distribution, alerts, model, input drift, inference.',
    rows: [
      {
        title: 'Model',
        panels: [
          table('Model served', `count by (model, version) (${sel('tributary_score_model_info', S)})`, {
            columns: [
              ['model', 'Model'],
              ['version', 'Version'],
              ['Value', 'Instances'],
            ],
            width: 8,
            height: 4,
            description: 'Model name and version served, with the number of instances serving it (two rows during a rollout).',
          }),
          stat('Model versions served', [q(`count(count by (model, version) (${sel('tributary_score_model_info', S)}))`, 'versions')], {
            description: 'More than one: instances disagree (a rollout in progress, or a stuck one).',
            thresholds: [{ value: 2, color: 'orange' }],
          }),
          stat('Scores /s', [q(sumRate('tributary_score_scores_total', [], S), 'scores')], { unit: 'rps' }),
          stat('Alerts /s', [q(`${sumRate('tributary_score_alerts_total', [], S)} or vector(0)`, 'alerts')], { unit: 'rps' }),
          stat('Max feature PSI', [q(`max(${sel('tributary_score_feature_psi', S)})`, 'psi')], {
            unit: 'none',
            thresholds: PSI_THRESHOLDS,
          }),
        ],
      },
      {
        title: 'Scores and alerts',
        panels: [
          heatmap('Risk score distribution', sumRate('tributary_score_risk_bucket', ['le'], S), {
            description: 'Scored windows per risk bucket. A shift here without a change of model is drift in the input.',
          }),
          timeseries(
            'Risk score quantiles',
            [
              q(quantile(0.5, 'tributary_score_risk', [], S), 'p50'),
              q(quantile(0.9, 'tributary_score_risk', [], S), 'p90'),
              q(quantile(0.99, 'tributary_score_risk', [], S), 'p99'),
            ],
            { unit: 'none', min: 0, max: 1, width: 12 },
          ),
          timeseries('Alerts /s by severity', [q(sumRate('tributary_score_alerts_total', ['severity'], S), '{{severity}}')], { unit: 'rps', stack: true, width: 12 }),
          timeseries('Windows scored /s', [q(sumRate('tributary_score_scores_total', [], S), 'scored')], { unit: 'rps', width: 12 }),
        ],
      },
      {
        title: 'Input drift',
        panels: [
          timeseries('Feature PSI by feature', [q(`max by (model, feature) (${sel('tributary_score_feature_psi', S)})`, '{{feature}} ({{model}})')], {
            unit: 'none',
            min: 0,
            width: 16,
            thresholds: PSI_THRESHOLDS,
            description: 'Population stability index of the last inputs against the training distribution in the model metadata. 0.1: moderate shift; 0.25: significant.',
          }),
          timeseries('Drift window rows', [q(`min by (model) (${sel('tributary_score_drift_window_rows', S)})`, '{{model}}')], {
            unit: 'short',
            description: 'Inputs in the window PSI is computed over (smallest over instances): a small window gives a noisy PSI.',
          }),
        ],
      },
      {
        title: 'Inference',
        panels: [
          timeseries(
            'Model call time',
            [
              q(quantile(0.5, 'tributary_score_inference_seconds', [], S), 'p50'),
              q(quantile(0.99, 'tributary_score_inference_seconds', [], S), 'p99'),
            ],
            { unit: 's', width: 12, description: 'One model call scores one batch: everything a task processed since its last commit.' },
          ),
          timeseries(
            'Rows per model call',
            [q(quantile(0.5, 'tributary_score_batch_rows', [], S), 'p50'), q(quantile(0.99, 'tributary_score_batch_rows', [], S), 'p99'), q(mean('tributary_score_batch_rows', [], S), 'mean')],
            { unit: 'short', width: 12 },
          ),
        ],
      },
      throughputRow('score'),
      runtimeRow('score'),
    ],
  };
}
