/**
 * Windows mode's output (SCORE_MODE=windows, the cold-chain pipeline): a
 * RiskScore per WindowAggregate, keyed by its containerId, and an Alert when
 * the risk reaches the threshold.
 */
import type { Alert, RiskScore, WindowAggregate } from '@tributary/schemas';
import { alertFor, reasonsOf } from '../scoring/alerts.js';
import type { BuiltOutput, OutputBuilder } from './output-builder.js';

export const WINDOW_OUTPUT: OutputBuilder<WindowAggregate, RiskScore> = {
  key: (_recordKey, aggregate) => aggregate.containerId,
  build(aggregate, row, policy): BuiltOutput<RiskScore> & { readonly alert: Alert | undefined } {
    const names = row.model.features;
    const score: RiskScore = {
      containerId: aggregate.containerId,
      windowStart: aggregate.windowStart,
      windowEnd: aggregate.windowEnd,
      risk: row.risk,
      horizonMinutes: row.model.horizonMinutes,
      modelName: row.model.name,
      modelVersion: row.model.version,
      features: Object.fromEntries(names.map((name, i) => [name, row.features[i] as number])),
      scoredAt: row.scoredAt,
    };
    const alert = alertFor(score, score.risk >= policy.threshold ? reasonsOf(names, row.features, row.contributions, policy.maxReasons) : [], policy);
    return { value: score, summary: score, alert, severity: alert?.severity };
  },
};
