/**
 * Records mode's decision: what to do with a scored record, from its risk
 * and the operator's thresholds — the same two thresholds as windows mode's
 * alerts, so a REVIEW is what would be a WARNING alert and a DECLINE a
 * CRITICAL one.
 */
import type { Severity } from '@tributary/schemas';
import type { AlertPolicy } from '../scoring/alerts.js';

/** The decisions, as the symbols of the output schema's enum (or the values of its string field). */
export const DECISIONS = ['APPROVE', 'REVIEW', 'DECLINE'] as const;
export type DecisionKind = (typeof DECISIONS)[number];

/**
 * APPROVE below `threshold` (ALERT_THRESHOLD), DECLINE at or above
 * `criticalThreshold` (CRITICAL_THRESHOLD), REVIEW between. A risk that is
 * not a number is never ≥ a threshold: APPROVE, as no alert would be raised
 * for it (records mode refuses CRITICAL_THRESHOLD < ALERT_THRESHOLD at start
 * (config.ts), so "DECLINE ≥ CRITICAL_THRESHOLD" holds as such).
 */
export function decisionFor(risk: number, policy: Pick<AlertPolicy, 'threshold' | 'criticalThreshold'>): DecisionKind {
  if (!(risk >= policy.threshold)) return 'APPROVE';
  return risk >= policy.criticalThreshold ? 'DECLINE' : 'REVIEW';
}

/** The alert severity a decision stands for (what `tributary_score_alerts_total` counts); none for APPROVE. */
export function severityOf(decision: DecisionKind): Severity | undefined {
  return decision === 'DECLINE' ? 'CRITICAL' : decision === 'REVIEW' ? 'WARNING' : undefined;
}
