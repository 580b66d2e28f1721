/**
 * The fraud model computed here, in TypeScript, from its ONNX file's
 * parameters: the standardized logistic regression the repository's writer
 * produces (Sub mean → Div std → MatMul weights → Add bias → Sigmoid), its
 * initializers read back with onnx-proto. No score-operator code runs: the
 * expected risk of a payment is this computation on the oracle's features.
 *
 * onnxruntime evaluates the graph in float32, so each step is rounded to
 * float32 here too (Math.fround): a float64 evaluation differs from the
 * operator's by up to ~1e-5 for the large standardized values of a
 * card-testing burst, the float32 one by a few ulps (well inside 1e-6).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import type { PaymentFeatures } from '@tributary/schemas';
import { REPO_ROOT } from '@tributary/testing';

const { onnx } = onnxProto;

/** The committed fraud model's directory. */
export const FRAUD_MODEL_DIR = path.join(REPO_ROOT, 'models', 'fraud-risk');

/** A standardized logistic regression: name, version, features in input order and its parameters. */
export interface LogisticModel {
  readonly name: string;
  readonly version: string;
  readonly features: readonly string[];
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly weights: readonly number[];
  readonly bias: number;
}

/** Reads the parameters of a model written by services/score's writeLogisticRegressionOnnx; throws naming what is missing. */
export function readLogisticModel(bytes: Uint8Array): LogisticModel {
  const model = onnx.ModelProto.decode(bytes);
  const meta = new Map(model.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
  const tensors = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t.floatData ?? []]));
  const tensor = (name: string): number[] => {
    const values = tensors.get(name);
    if (values === undefined || values.length === 0) throw new RangeError(`model: no float initializer "${name}" (not a logistic regression from onnx-writer.ts?)`);
    return [...values];
  };
  const features = (meta.get('features') ?? '').split(',').filter((f) => f !== '');
  const [mean, std, weights, [bias]] = [tensor('mean'), tensor('std'), tensor('weights'), tensor('bias')];
  for (const [what, values] of [['mean', mean], ['std', std], ['weights', weights]] as const) {
    if (values.length !== features.length) throw new RangeError(`model: initializer ${what} has ${values.length} values for ${features.length} features`);
  }
  return { name: meta.get('name') ?? '', version: meta.get('version') ?? '', features, mean, std, weights, bias: bias as number };
}

/** The committed models/fraud-risk/model.onnx, read. */
export function committedFraudModel(): LogisticModel {
  return readLogisticModel(readFileSync(path.join(FRAUD_MODEL_DIR, 'model.onnx')));
}

/**
 * The model's input row for a payment's features: each model feature is a
 * field of PaymentFeatures (the fraud model's feature expressions are plain
 * paths); null becomes `nullValue` (the operator's FEATURE_NULL_VALUE, 0).
 */
export function featureRow(model: LogisticModel, features: PaymentFeatures, nullValue = 0): number[] {
  return model.features.map((name) => {
    const value = (features as unknown as Record<string, unknown>)[name];
    if (value === undefined) throw new RangeError(`feature ${name}: not a field of PaymentFeatures`);
    return typeof value === 'number' && Number.isFinite(value) ? value : nullValue;
  });
}

const f32 = Math.fround;

/** The model's risk for one input row, evaluated step by step in float32 like the ONNX graph. */
export function riskOf(model: LogisticModel, row: readonly number[]): number {
  let linear = 0;
  for (let i = 0; i < model.features.length; i++) {
    const standardized = f32(f32(f32(row[i] as number) - f32(model.mean[i] as number)) / f32(model.std[i] as number));
    linear = f32(linear + f32(standardized * f32(model.weights[i] as number)));
  }
  const logit = f32(linear + f32(model.bias));
  return f32(1 / (1 + Math.exp(-logit)));
}

/** APPROVE / REVIEW / DECLINE as the contract defines them (REVIEW at or above `review`, DECLINE at or above `decline`). */
export function decisionOf(risk: number, review: number, decline: number): 'APPROVE' | 'REVIEW' | 'DECLINE' {
  return risk >= decline ? 'DECLINE' : risk >= review ? 'REVIEW' : 'APPROVE';
}
