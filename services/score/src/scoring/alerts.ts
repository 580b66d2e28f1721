/**
 * From a risk score to an alert: thresholds, severity, message, reasons and
 * a deterministic id.
 */
import { createHash } from 'node:crypto';
import type { Alert, RiskScore, Severity } from '@tributary/schemas';

export interface AlertPolicy {
  /** Alert when risk ≥ this (ALERT_THRESHOLD, default 0.8). */
  readonly threshold: number;
  /** CRITICAL when risk ≥ this, else WARNING (CRITICAL_THRESHOLD, default 0.9). */
  readonly criticalThreshold: number;
  /** At most this many reasons (ALERT_MAX_REASONS, default 3). */
  readonly maxReasons: number;
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = { threshold: 0.8, criticalThreshold: 0.9, maxReasons: 3 };

/** Namespace of alert ids (a fixed random UUID): ids of Tributary's score alerts never collide with other v5 ids. */
export const ALERT_ID_NAMESPACE = '3c1f7a52-8e0b-4d6f-9a47-2b5e6c9d0f18';

/** An RFC 4122 version-5 UUID (SHA-1 of namespace and name). */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new RangeError(`not a UUID: ${namespace}`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The alert id of a window scored by a model: a v5 UUID of (containerId,
 * windowStart, modelName). A retried transaction, a replay from an earlier
 * offset or a second instance scoring the same window all give the same id,
 * so a sink can upsert by it. The model version is left out on purpose:
 * re-scoring history with a new version replaces the alert, it does not add
 * a second one for the same window.
 */
export function alertId(containerId: string, windowStart: Date | number, modelName: string): string {
  const start = typeof windowStart === 'number' ? windowStart : windowStart.getTime();
  return uuidV5(`${containerId}\n${start}\n${modelName}`, ALERT_ID_NAMESPACE);
}

/** A number for people: at most 3 decimals, no trailing zeros. */
export function formatValue(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/**
 * The features that raised the risk most, most important first, as
 * `name=value`: those with a positive contribution to the logit, by
 * contribution. Without contributions (a model that does not explain
 * itself) there are no reasons rather than a guessed order.
 */
export function reasonsOf(
  names: readonly string[],
  values: readonly number[],
  contributions: ArrayLike<number> | undefined,
  maxReasons: number,
): string[] {
  if (contributions === undefined || maxReasons <= 0) return [];
  return names
    .map((name, i) => ({ name, value: values[i] as number, contribution: contributions[i] as number, i }))
    .filter((f) => f.contribution > 0)
    .sort((a, b) => b.contribution - a.contribution || a.i - b.i)
    .slice(0, maxReasons)
    .map((f) => `${f.name}=${formatValue(f.value)}`);
}

/**
 * The alert for a score, or undefined below the threshold. `raisedAt` is
 * the window's end, not the wall clock: an alert is a pure function of its
 * window and model, so a replay or a retried transaction produces the very
 * same record (byte for byte), which is what lets the e2e tests compare the
 * alerts topic exactly with an expectation, and a sink detect true
 * duplicates. It is also the earliest moment the alert could be known.
 */
export function alertFor(score: RiskScore, reasons: readonly string[], policy: AlertPolicy): Alert | undefined {
  if (!(score.risk >= policy.threshold)) return undefined;
  const severity: Severity = score.risk >= policy.criticalThreshold ? 'CRITICAL' : 'WARNING';
  return {
    alertId: alertId(score.containerId, score.windowStart, score.modelName),
    containerId: score.containerId,
    kind: 'COMPRESSOR_FAILURE_RISK',
    severity,
    message: `compressor failure risk ${score.risk.toFixed(2)} (threshold ${policy.threshold})`,
    risk: score.risk,
    modelName: score.modelName,
    modelVersion: score.modelVersion,
    windowStart: score.windowStart,
    windowEnd: score.windowEnd,
    reasons: [...reasons],
    raisedAt: score.windowEnd,
  };
}
