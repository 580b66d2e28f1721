/**
 * Logistic regression on standardized features, fitted by full-batch
 * gradient descent with an L2 penalty. Plain loops in float64 in a fixed
 * order: the same data and options give bit-identical parameters.
 */
import { Random } from '../simulator/index.js';

export interface Standardization {
  readonly mean: number[];
  readonly std: number[];
}

export interface FitOptions {
  /** Seed of the initial weights (small, uniform in ±0.01). */
  readonly seed: number;
  /** Gradient steps (default 2000). */
  readonly iterations?: number;
  /** Step size (default 0.5: the features are standardized). */
  readonly learningRate?: number;
  /** L2 penalty on the weights, not the bias (default 1e-3). */
  readonly l2?: number;
}

export interface FittedModel extends Standardization {
  readonly weights: number[];
  readonly bias: number;
  /** Mean log-loss (with the L2 term) after the last step. */
  readonly loss: number;
}

/** Column means and population standard deviations; a constant column gets std 1 (it standardizes to 0). */
export function standardization(rows: readonly (readonly number[])[], width: number): Standardization {
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (const row of rows) for (let j = 0; j < width; j++) mean[j] = (mean[j] as number) + (row[j] as number);
  for (let j = 0; j < width; j++) mean[j] = (mean[j] as number) / rows.length;
  for (const row of rows) for (let j = 0; j < width; j++) std[j] = (std[j] as number) + ((row[j] as number) - (mean[j] as number)) ** 2;
  for (let j = 0; j < width; j++) {
    const s = Math.sqrt((std[j] as number) / rows.length);
    std[j] = s > 1e-12 ? s : 1;
  }
  return { mean, std };
}

const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/** Probability of label 1 for each row (raw, unstandardized features). */
export function predict(model: FittedModel, rows: readonly (readonly number[])[]): Float64Array {
  const out = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    let z = model.bias;
    for (let j = 0; j < model.weights.length; j++) z += (((row[j] as number) - (model.mean[j] as number)) / (model.std[j] as number)) * (model.weights[j] as number);
    out[i] = sigmoid(z);
  });
  return out;
}

export function fitLogisticRegression(rows: readonly (readonly number[])[], labels: ArrayLike<number>, options: FitOptions): FittedModel {
  const n = rows.length;
  if (n === 0 || labels.length !== n) throw new RangeError(`${n} rows for ${labels.length} labels`);
  const width = rows[0]?.length ?? 0;
  const { mean, std } = standardization(rows, width);
  // Standardize once into one flat array: the loop below reads it 2·iterations times.
  const x = new Float64Array(n * width);
  rows.forEach((row, i) => {
    for (let j = 0; j < width; j++) x[i * width + j] = ((row[j] as number) - (mean[j] as number)) / (std[j] as number);
  });
  const iterations = options.iterations ?? 2000;
  const rate = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 1e-3;
  const random = new Random(options.seed);
  const w = Float64Array.from({ length: width }, () => random.uniform(-0.01, 0.01));
  let b = 0;
  const gradient = new Float64Array(width);
  let loss = Number.NaN;
  for (let step = 0; step < iterations; step++) {
    gradient.fill(0);
    let gradientBias = 0;
    let sumLoss = 0;
    for (let i = 0; i < n; i++) {
      let z = b;
      const base = i * width;
      for (let j = 0; j < width; j++) z += (x[base + j] as number) * (w[j] as number);
      const p = sigmoid(z);
      const y = labels[i] as number;
      const error = p - y;
      gradientBias += error;
      for (let j = 0; j < width; j++) gradient[j] = (gradient[j] as number) + error * (x[base + j] as number);
      // log-loss, clamped away from log(0)
      sumLoss -= y === 1 ? Math.log(Math.max(p, 1e-15)) : Math.log(Math.max(1 - p, 1e-15));
    }
    let penalty = 0;
    for (let j = 0; j < width; j++) {
      penalty += (w[j] as number) ** 2;
      w[j] = (w[j] as number) - rate * ((gradient[j] as number) / n + l2 * (w[j] as number));
    }
    b -= rate * (gradientBias / n);
    loss = sumLoss / n + (l2 / 2) * penalty;
  }
  return { mean, std, weights: [...w], bias: b, loss };
}
