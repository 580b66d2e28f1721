/**
 * Writes a standardized logistic-regression model as an ONNX graph, so the
 * training script (TypeScript, no Python) produces the same kind of file the
 * score operator loads with onnxruntime-node:
 *
 *   features [N, F] ─Sub(mean)─Div(std)─▶ z [N, F] ─MatMul(weights [F, 1])─Add(bias [1])─Sigmoid─▶ risk [N, 1]
 *                                          └────────Mul(weights [F])───────────────────────────▶ contributions [N, F]
 *
 * `contributions` is each feature's additive share of the logit (z · w): the
 * model explains itself, so the operator can name the features that raised a
 * risk without re-implementing any part of the model.
 *
 * Everything written is a pure function of the parameters (no timestamps, no
 * producer host): the same parameters give byte-identical files.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX opset the graph uses (Sub/Div/MatMul/Add/Sigmoid/Mul are all unchanged since 13). */
export const OPSET_VERSION = 13;
/** ONNX IR version 8 (onnx 1.10+); onnxruntime 1.30 reads it. */
export const IR_VERSION = 8;

/** The trained parameters and the names the graph exposes. */
export interface LogisticRegressionModel {
  /** Model name, written to metadata_props `name`. */
  readonly name: string;
  /** Model version, written to metadata_props `version`. */
  readonly version: string;
  /** Feature names in input column order (written to metadata_props `features`, comma-separated). */
  readonly features: readonly string[];
  /** Per-feature mean subtracted before scaling (training data). */
  readonly mean: readonly number[];
  /** Per-feature standard deviation divided by (must be non-zero). */
  readonly std: readonly number[];
  /** Weights of the standardized features. */
  readonly weights: readonly number[];
  readonly bias: number;
  /** Input tensor name (default `features`). */
  readonly inputName?: string;
  /** Probability output name (default `risk`). */
  readonly outputName?: string;
  /** Per-feature logit contributions output name (default `contributions`). */
  readonly contributionsName?: string;
  /** Extra metadata_props (e.g. horizon), written after name, version and features, in key order. */
  readonly metadata?: Readonly<Record<string, string>>;
}

export const DEFAULT_INPUT_NAME = 'features';
export const DEFAULT_OUTPUT_NAME = 'risk';
export const DEFAULT_CONTRIBUTIONS_NAME = 'contributions';

const FLOAT = onnx.TensorProto.DataType.FLOAT;

function floatTensor(name: string, dims: readonly number[], values: readonly number[]): onnxProto.onnx.ITensorProto {
  return { name, dims: [...dims], dataType: FLOAT, floatData: [...values] };
}

/** A tensor type `float[dims]`; a string dim is symbolic (the batch size). */
function floatValueInfo(name: string, dims: readonly (number | string)[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

function check(model: LogisticRegressionModel): void {
  const f = model.features.length;
  if (f === 0) throw new RangeError('a model needs at least one feature');
  for (const [what, values] of [
    ['mean', model.mean],
    ['std', model.std],
    ['weights', model.weights],
  ] as const) {
    if (values.length !== f) throw new RangeError(`${what} has ${values.length} values for ${f} features`);
    if (values.some((v) => !Number.isFinite(v))) throw new RangeError(`${what} holds a non-finite value`);
  }
  if (model.std.some((s) => s === 0)) throw new RangeError('std holds a zero: a constant feature cannot be standardized');
  if (!Number.isFinite(model.bias)) throw new RangeError('bias is not finite');
}

/** The model as an ONNX ModelProto (opset 13, IR 8), encoded. */
export function writeLogisticRegressionOnnx(model: LogisticRegressionModel): Uint8Array {
  check(model);
  const f = model.features.length;
  const input = model.inputName ?? DEFAULT_INPUT_NAME;
  const output = model.outputName ?? DEFAULT_OUTPUT_NAME;
  const contributions = model.contributionsName ?? DEFAULT_CONTRIBUTIONS_NAME;
  const node = (opType: string, inputs: string[], outputs: string[]): onnxProto.onnx.INodeProto => ({
    opType,
    input: inputs,
    output: outputs,
    name: outputs[0] ?? opType,
  });
  const graph: onnxProto.onnx.IGraphProto = {
    name: `${model.name}-logistic-regression`,
    input: [floatValueInfo(input, ['N', f])],
    output: [floatValueInfo(output, ['N', 1]), floatValueInfo(contributions, ['N', f])],
    initializer: [
      floatTensor('mean', [f], model.mean),
      floatTensor('std', [f], model.std),
      floatTensor('weights', [f, 1], model.weights),
      floatTensor('weights_row', [f], model.weights),
      floatTensor('bias', [1], [model.bias]),
    ],
    node: [
      node('Sub', [input, 'mean'], ['centered']),
      node('Div', ['centered', 'std'], ['standardized']),
      node('MatMul', ['standardized', 'weights'], ['linear']),
      node('Add', ['linear', 'bias'], ['logit']),
      node('Sigmoid', ['logit'], [output]),
      node('Mul', ['standardized', 'weights_row'], [contributions]),
    ],
  };
  const metadata: Record<string, string> = { name: model.name, version: model.version, features: model.features.join(',') };
  for (const key of Object.keys(model.metadata ?? {}).sort()) metadata[key] = (model.metadata as Record<string, string>)[key] as string;
  const proto: onnxProto.onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET_VERSION }],
    producerName: 'tributary-score',
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
}
