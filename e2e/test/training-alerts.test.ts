/**
 * The committed model in the product: on a fresh simulated fleet (not the
 * training seed), scored by services/score's model loader and onnxruntime,
 * alerting at the score operator's default ALERT_THRESHOLD, it alerts on
 * the units about to fail, well before they fail, and hardly ever on
 * healthy ones.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_PATH, loadConfig } from '@tributary/score';
import { alertFigures, checkFleet, DEFAULT_CHECK_FLEET, operatorRisks } from '../src/training/alert-check.js';

describe('models/coldchain-risk on a fresh fleet (40 units × 3 h)', () => {
  it("the score operator's default ALERT_THRESHOLD is the model's threshold", () => {
    const metadata = JSON.parse(readFileSync(DEFAULT_MODEL_PATH.replace(/model\.onnx$/, 'model.json'), 'utf8')) as { threshold: number; horizonMinutes: number };
    expect(loadConfig({}).ALERT_THRESHOLD).toBe(metadata.threshold);
  });

  it('alerts on every unit that fails in the run, at least half an hour ahead (median), and on no more than one healthy unit', async () => {
    const fleet = checkFleet(DEFAULT_CHECK_FLEET);
    const { risks, metadata } = await operatorRisks(fleet.aggregates);
    const figures = alertFigures(fleet, risks, loadConfig({}).ALERT_THRESHOLD, metadata.horizonMinutes);

    expect(figures.failingInRun).toBeGreaterThanOrEqual(5);
    expect(figures.caughtBeforeFailure).toBe(figures.failingInRun);
    expect(figures.leadMinutes?.median).toBeGreaterThanOrEqual(30);
    expect(figures.healthyUnitsAlerted).toBeLessThanOrEqual(1);
    // Of the alerts raised before a failure, at least 95 % come within the horizon of one.
    const beforeFailure = figures.alertsWithinHorizon + figures.alertsEarlierThanHorizon + figures.alertsOnHealthyUnits;
    expect(figures.alertsWithinHorizon / beforeFailure).toBeGreaterThanOrEqual(0.95);
    // Risks spread over the range: some windows far below the threshold, some above it (e2e and npm start rely on both).
    expect(risks.filter((r) => r < 0.1).length).toBeGreaterThan(fleet.aggregates.length / 2);
    expect(risks.filter((r) => r >= 0.9).length).toBeGreaterThan(0);
  }, 120_000);
});
