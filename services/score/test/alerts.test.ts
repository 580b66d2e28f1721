import type { RiskScore } from '@tributary/schemas';
import { describe, expect, it } from 'vitest';
import { alertFor, alertId, DEFAULT_ALERT_POLICY, reasonsOf, uuidV5 } from '../src/scoring/alerts.js';

const score = (risk: number): RiskScore => ({
  containerId: 'MSCU1234565',
  windowStart: new Date(Date.UTC(2025, 0, 1, 12, 0)),
  windowEnd: new Date(Date.UTC(2025, 0, 1, 12, 1)),
  risk,
  horizonMinutes: 120,
  modelName: 'test-risk',
  modelVersion: '0.0.1',
  features: { a: 1 },
  scoredAt: new Date(Date.UTC(2025, 0, 1, 12, 5)),
});

describe('uuidV5 and alertId', () => {
  it('is RFC 4122 version 5 (the Python uuid5 reference value)', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('depends on container, window start and model name only, never on the clock or the model version', () => {
    const id = alertId('MSCU1234565', new Date(Date.UTC(2025, 0, 1, 12, 0)), 'test-risk');
    // Python: uuid5(UUID('3c1f7a52-…'), 'MSCU1234565\n1735732800000\ntest-risk')
    expect(id).toBe('87e9a2bb-025d-5664-b7f9-fdbbc5e54588');
    expect(alertId('MSCU1234565', Date.UTC(2025, 0, 1, 12, 0), 'test-risk')).toBe(id);
    expect(alertId('MSCU1234566', Date.UTC(2025, 0, 1, 12, 0), 'test-risk')).not.toBe(id);
    expect(alertId('MSCU1234565', Date.UTC(2025, 0, 1, 12, 1), 'test-risk')).not.toBe(id);
    expect(alertId('MSCU1234565', Date.UTC(2025, 0, 1, 12, 0), 'other')).not.toBe(id);
    expect(alertFor({ ...score(0.95), modelVersion: '9.0.0', scoredAt: new Date() }, [], DEFAULT_ALERT_POLICY)?.alertId).toBe(id);
  });
});

describe('alertFor', () => {
  it('raises nothing below the threshold, a WARNING from it, a CRITICAL from 0.9', () => {
    expect(alertFor(score(0.7999), [], DEFAULT_ALERT_POLICY)).toBeUndefined();
    expect(alertFor(score(0.8), [], DEFAULT_ALERT_POLICY)?.severity).toBe('WARNING');
    expect(alertFor(score(0.8999), [], DEFAULT_ALERT_POLICY)?.severity).toBe('WARNING');
    expect(alertFor(score(0.9), [], DEFAULT_ALERT_POLICY)?.severity).toBe('CRITICAL');
    expect(alertFor(score(0.5), [], { ...DEFAULT_ALERT_POLICY, threshold: 0.5 })?.severity).toBe('WARNING');
  });

  it('fills every field, raisedAt being the window end', () => {
    const s = score(0.8734);
    expect(alertFor(s, ['a=1'], DEFAULT_ALERT_POLICY)).toEqual({
      alertId: '87e9a2bb-025d-5664-b7f9-fdbbc5e54588',
      containerId: 'MSCU1234565',
      kind: 'COMPRESSOR_FAILURE_RISK',
      severity: 'WARNING',
      message: 'compressor failure risk 0.87 (threshold 0.8)',
      risk: 0.8734,
      modelName: 'test-risk',
      modelVersion: '0.0.1',
      windowStart: s.windowStart,
      windowEnd: s.windowEnd,
      reasons: ['a=1'],
      raisedAt: s.windowEnd,
    });
  });
});

describe('reasonsOf', () => {
  const names = ['a', 'b', 'c', 'd'];
  const values = [1.23456, -2, 30, 4];

  it('lists the features that raised the risk, largest contribution first, at most maxReasons', () => {
    expect(reasonsOf(names, values, [0.5, -1, 2, 0.7], 3)).toEqual(['c=30', 'd=4', 'a=1.235']);
    expect(reasonsOf(names, values, [0.5, -1, 2, 0.7], 1)).toEqual(['c=30']);
    expect(reasonsOf(names, values, [-0.5, -1, 0, -0.7], 3)).toEqual([]);
  });

  it('gives no reasons without contributions', () => {
    expect(reasonsOf(names, values, undefined, 3)).toEqual([]);
  });
});
