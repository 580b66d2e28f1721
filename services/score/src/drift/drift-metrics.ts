/** The drift gauges: fed once per scored batch, never per record. */
import { Gauge, type Registry } from 'prom-client';
import type { FeatureDrift } from './feature-drift.js';

/**
 * Registers `tributary_score_feature_psi{model,feature}` and
 * `tributary_score_drift_window_rows{model}` and returns the hook that adds
 * a batch's feature rows to `drift` and refreshes both. The PSI series
 * appear once the window is full: over a few rows the index is mostly
 * sampling noise (two rows read about 7), and every restart would otherwise
 * raise a drift alert.
 */
export function driftMetrics(registry: Registry, model: string, drift: FeatureDrift): (features: readonly (readonly number[])[]) => void {
  const psi = new Gauge({
    name: 'tributary_score_feature_psi',
    help: 'Population stability index of each model feature over the last DRIFT_WINDOW_ROWS scored windows against its training distribution (model.json); < 0.1 stable, > 0.25 a significant shift.',
    labelNames: ['model', 'feature'],
    registers: [registry],
  });
  const rows = new Gauge({
    name: 'tributary_score_drift_window_rows',
    help: 'Scored windows in the drift window (up to DRIFT_WINDOW_ROWS); tributary_score_feature_psi is exported once it is full.',
    labelNames: ['model'],
    registers: [registry],
  });
  rows.set({ model }, 0);
  return (features) => {
    for (const row of features) drift.add(row);
    rows.set({ model }, drift.rows);
    if (drift.rows < drift.windowRows) return;
    drift.psi()?.forEach((value, f) => psi.set({ model, feature: drift.features[f] as string }, value));
  };
}
