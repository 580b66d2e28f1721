/**
 * Logistic regression on standardized features, fitted by Newton's method
 * (iteratively reweighted least squares) on the L2-penalized, optionally
 * class-weighted mean log-loss. With a handful of features the Hessian is a
 * tiny matrix, so each step is one pass over the rows plus a small solve,
 * and a few dozen steps reach the optimum exactly (gradient descent stopped
 * after a fixed number of steps left the weights wherever it happened to be).
 * Plain loops in float64 in a fixed order: the same data and options give
 * bit-identical parameters.
 */

export interface Standardization {
  readonly mean: number[];
  readonly std: number[];
}

export interface FitOptions {
  /** L2 penalty on the weights, not the bias (default 1e-3). */
  readonly l2?: number;
  /**
   * Weight of a positive row in the loss, a negative row weighing 1 (default
   * 1). Above 1 the fit attends more to the rare positives; the output is
   * then a risk score whose level is shifted up, not a calibrated probability.
   */
  readonly positiveWeight?: number;
  /** Most Newton steps (default 50); the fit stops earlier once a step changes no parameter by more than 1e-10. */
  readonly maxIterations?: number;
}

export interface FittedModel extends Standardization {
  readonly weights: number[];
  readonly bias: number;
  /** Weighted mean log-loss (with the L2 term) at the fitted parameters. */
  readonly loss: number;
  /** Newton steps taken. */
  readonly iterations: number;
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

/** log(1 + e^z), without overflow. */
const softplus = (z: number): number => (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z)));

/** Output of the model for each row (raw, unstandardized features): sigmoid of the logit. */
export function predict(model: Omit<FittedModel, 'loss' | 'iterations'>, rows: readonly (readonly number[])[]): Float64Array {
  const out = new Float64Array(rows.length);
  rows.forEach((row, i) => {
    let z = model.bias;
    for (let j = 0; j < model.weights.length; j++) z += (((row[j] as number) - (model.mean[j] as number)) / (model.std[j] as number)) * (model.weights[j] as number);
    out[i] = sigmoid(z);
  });
  return out;
}

/** Solves the symmetric positive definite system A·x = b (A row-major, k×k) by Cholesky; A and b are not modified. */
function solveSpd(a: Float64Array, b: Float64Array, k: number): Float64Array {
  const l = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * k + j] as number;
      for (let m = 0; m < j; m++) sum -= (l[i * k + m] as number) * (l[j * k + m] as number);
      if (i === j) {
        if (!(sum > 0)) throw new RangeError('the Hessian is not positive definite (a feature is constant or duplicated and l2 is 0)');
        l[i * k + i] = Math.sqrt(sum);
      } else {
        l[i * k + j] = sum / (l[j * k + j] as number);
      }
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let sum = b[i] as number;
    for (let m = 0; m < i; m++) sum -= (l[i * k + m] as number) * (y[m] as number);
    y[i] = sum / (l[i * k + i] as number);
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let sum = y[i] as number;
    for (let m = i + 1; m < k; m++) sum -= (l[m * k + i] as number) * (x[m] as number);
    x[i] = sum / (l[i * k + i] as number);
  }
  return x;
}

export function fitLogisticRegression(rows: readonly (readonly number[])[], labels: ArrayLike<number>, options: FitOptions = {}): FittedModel {
  const n = rows.length;
  if (n === 0 || labels.length !== n) throw new RangeError(`${n} rows for ${labels.length} labels`);
  const width = rows[0]?.length ?? 0;
  const { mean, std } = standardization(rows, width);
  const l2 = options.l2 ?? 1e-3;
  const positiveWeight = options.positiveWeight ?? 1;
  const maxIterations = options.maxIterations ?? 50;
  // Standardized rows with a trailing 1 for the bias: k = width + 1 parameters, the bias last.
  const k = width + 1;
  const x = new Float64Array(n * k);
  rows.forEach((row, i) => {
    for (let j = 0; j < width; j++) x[i * k + j] = ((row[j] as number) - (mean[j] as number)) / (std[j] as number);
    x[i * k + width] = 1;
  });
  const rowWeight = (i: number) => ((labels[i] as number) === 1 ? positiveWeight : 1);

  /** Weighted mean log-loss plus (l2/2)·|w|² at parameters `theta`. */
  const lossAt = (theta: Float64Array): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      let z = 0;
      for (let j = 0; j < k; j++) z += (x[i * k + j] as number) * (theta[j] as number);
      // −log σ(z) = softplus(−z); −log(1 − σ(z)) = softplus(z)
      sum += rowWeight(i) * ((labels[i] as number) === 1 ? softplus(-z) : softplus(z));
    }
    let penalty = 0;
    for (let j = 0; j < width; j++) penalty += (theta[j] as number) ** 2;
    return sum / n + (l2 / 2) * penalty;
  };

  let theta = new Float64Array(k);
  let loss = lossAt(theta);
  let iterations = 0;
  const gradient = new Float64Array(k);
  const hessian = new Float64Array(k * k);
  while (iterations < maxIterations) {
    iterations++;
    gradient.fill(0);
    hessian.fill(0);
    for (let i = 0; i < n; i++) {
      const base = i * k;
      let z = 0;
      for (let j = 0; j < k; j++) z += (x[base + j] as number) * (theta[j] as number);
      const p = sigmoid(z);
      const c = rowWeight(i);
      const error = c * (p - (labels[i] as number));
      const curvature = c * p * (1 - p);
      for (let j = 0; j < k; j++) {
        const xj = x[base + j] as number;
        gradient[j] = (gradient[j] as number) + error * xj;
        for (let m = 0; m <= j; m++) hessian[j * k + m] = (hessian[j * k + m] as number) + curvature * xj * (x[base + m] as number);
      }
    }
    for (let j = 0; j < k; j++) {
      gradient[j] = (gradient[j] as number) / n + (j < width ? l2 * (theta[j] as number) : 0);
      for (let m = 0; m <= j; m++) {
        const h = (hessian[j * k + m] as number) / n + (j === m && j < width ? l2 : 0);
        hessian[j * k + m] = h;
        hessian[m * k + j] = h;
      }
    }
    const step = solveSpd(hessian, gradient, k);
    // Damped Newton: halve the step until the loss does not rise (plain Newton can overshoot on nearly separable data).
    let scale = 1;
    let next = theta;
    let nextLoss = Number.POSITIVE_INFINITY;
    for (let halvings = 0; halvings < 30; halvings++, scale /= 2) {
      next = theta.map((t, j) => t - scale * (step[j] as number));
      nextLoss = lossAt(next);
      if (nextLoss <= loss) break;
    }
    let largest = 0;
    for (let j = 0; j < k; j++) largest = Math.max(largest, Math.abs((next[j] as number) - (theta[j] as number)));
    if (!(nextLoss <= loss)) break;
    theta = next;
    loss = nextLoss;
    if (largest < 1e-10) break;
  }
  return { mean, std, weights: [...theta.slice(0, width)], bias: theta[width] as number, loss, iterations };
}
