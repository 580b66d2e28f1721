/**
 * The model's scores for the oracle's windows, computed here from the model
 * files alone (model.json's feature expressions evaluated on the expected
 * aggregates, the ONNX graph run with onnxruntime as one batch), not with the
 * score operator's code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';
import type { WindowAggregate } from '@tributary/schemas';
import { REPO_ROOT } from '@tributary/testing';

export const MODEL_DIR = path.join(REPO_ROOT, 'models', 'coldchain-risk');

interface ModelCard {
  readonly name: string;
  readonly version: string;
  readonly inputName: string;
  readonly outputName: string;
  readonly features: readonly string[];
  readonly featureExpressions: Readonly<Record<string, string>>;
  readonly threshold: number;
}

export interface ExpectedScore {
  readonly containerId: string;
  readonly windowStart: number;
  readonly risk: number;
  readonly features: Record<string, number>;
}

function valueAt(aggregate: WindowAggregate, dotted: string): number {
  let value: unknown = aggregate;
  for (const part of dotted.split('.')) value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[part];
  return typeof value === 'number' && Number.isFinite(value) ? value : Number.NaN;
}

/** `path` or `path-path`; a null/missing input gives `nullValue` (the operator's FEATURE_NULL_VALUE default, 0). */
function evaluate(aggregate: WindowAggregate, expression: string, nullValue: number): number {
  const [left, right] = expression.split('-');
  const a = valueAt(aggregate, left ?? '');
  const value = right === undefined ? a : a - valueAt(aggregate, right);
  return Number.isFinite(value) ? value : nullValue;
}

export async function expectedScores(aggregates: readonly WindowAggregate[], nullValue = 0): Promise<{ model: ModelCard; scores: ExpectedScore[] }> {
  const model = JSON.parse(readFileSync(path.join(MODEL_DIR, 'model.json'), 'utf8')) as ModelCard;
  const rows = aggregates.map((a) => model.features.map((f) => evaluate(a, model.featureExpressions[f] ?? f, nullValue)));
  const session = await ort.InferenceSession.create(readFileSync(path.join(MODEL_DIR, 'model.onnx')));
  const input = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, model.features.length]);
  const output = await session.run({ [model.inputName]: input });
  const risks = output[model.outputName]?.data as Float32Array;
  return {
    model,
    scores: aggregates.map((a, i) => ({
      containerId: a.containerId,
      windowStart: a.windowStart.getTime(),
      risk: risks[i] ?? Number.NaN,
      features: Object.fromEntries(model.features.map((f, j) => [f, rows[i]?.[j] ?? Number.NaN])),
    })),
  };
}
