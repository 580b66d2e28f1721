/**
 * The model contract (README, "Model contract"): what the operator requires
 * of an ONNX graph and how it reads the positive-class probability from it.
 * A pure check of the decoded graph against the model's metadata: no
 * session, no side effect, so a model can be refused before anything is
 * swapped.
 */
import { ModelError } from '../errors.js';
import type { ModelMetadata } from './model-metadata.js';
import { withoutZipMap, type OnnxDescription, type OnnxValue } from './onnx-inspect.js';

/** Output names skl2onnx gives a classifier's probabilities (without and with ZipMap). */
export const PROBABILITY_OUTPUT_NAMES = ['probabilities', 'output_probability'] as const;

/** The positive class when the metadata names none. */
export const DEFAULT_POSITIVE_CLASS = 1;

export interface ModelContract {
  readonly inputName: string;
  /** The tensor output the probability is read from (for a ZipMap output: the tensor the ZipMap was fed). */
  readonly probabilityOutput: string;
  /** Values per row in that output: 1, or one per class. */
  readonly columns: number;
  /** Column of the positive class (0 for a one-value output). */
  readonly column: number;
  readonly contributionsName: string | undefined;
  /** The model to run: the file's bytes, or those of the same model with the ZipMap removed. */
  readonly bytes: Uint8Array;
  /** How the probability is read, for the start log, e.g. `output_probability (ZipMap) [label 1]`. */
  readonly reads: string;
}

const describe = (v: OnnxValue): string => (v.kind === 'tensor' ? `${v.name} tensor(${v.elemType}) [${v.dims.join(', ')}]` : `${v.name} ${v.kind}`);
const list = (values: readonly OnnxValue[]): string => values.map(describe).join(', ') || 'none';
const isFloatTensor = (v: OnnxValue): boolean => v.kind === 'tensor' && v.elemType === 'float';

/**
 * Checks `description` (the decoded `bytes`) against `metadata` and
 * resolves the contract; throws a ModelError naming the mismatch.
 */
export function resolveContract(bytes: Uint8Array, description: OnnxDescription, metadata: ModelMetadata, source: string): ModelContract {
  const fail = (what: string): never => {
    throw new ModelError(`${source} (${metadata.name} ${metadata.version}): ${what}`);
  };
  for (const key of ['name', 'version'] as const) {
    const inFile = description.metadata[key];
    if (inFile !== undefined && inFile !== metadata[key]) fail(`the ONNX metadata says ${key} "${inFile}", the model metadata says "${metadata[key]}"`);
  }

  const width = metadata.features.length;
  const { inputs, outputs } = description;
  if (inputs.length !== 1) fail(`the graph takes ${inputs.length} inputs (${list(inputs)}); the operator feeds exactly one, float32 [N, ${width}]`);
  const input = inputs[0] as OnnxValue;
  if (metadata.inputName !== undefined && input.name !== metadata.inputName) fail(`no graph input "${metadata.inputName}" (inputs: ${input.name})`);
  if (!isFloatTensor(input)) fail(`input ${describe(input)} is not a float32 tensor; the operator feeds float32 [N, ${width}]`);
  const inputWidth = input.dims[1];
  if (input.dims.length !== 2 || (typeof inputWidth === 'number' && inputWidth !== width)) {
    fail(`input "${input.name}" has shape [${input.dims.join(', ')}]; expected [N, ${width}] for features ${metadata.features.join(', ')}`);
  }

  const contributions = metadata.contributionsName;
  if (contributions !== undefined) {
    const c = outputs.find((o) => o.name === contributions);
    if (c === undefined) fail(`no graph output "${contributions}" (outputs: ${list(outputs)})`);
    else if (!isFloatTensor(c) || c.dims.length !== 2 || (typeof c.dims[1] === 'number' && c.dims[1] !== width)) fail(`contributions output ${describe(c)} is not a float32 tensor [N, ${width}]`);
  }

  const output = probabilityOutput(metadata, outputs, fail);
  const positive = metadata.positiveClass ?? DEFAULT_POSITIVE_CLASS;
  const columnOf = (labels: readonly (number | string)[], where: string): number => {
    const column = labels.indexOf(positive);
    if (column < 0) fail(`the positive class ${JSON.stringify(positive)} is not among the class labels [${labels.join(', ')}] of ${where}; set positiveClass`);
    return column;
  };

  if (output.kind === 'sequence') {
    // A ZipMap: read the tensor it is fed, whose columns are the ZipMap's labels.
    const zipMap = description.zipMaps.find((z) => z.output === output.name);
    if (zipMap === undefined) fail(`output "${output.name}" is a sequence not made by a ZipMap; expected probabilities as a float tensor or a ZipMap`);
    const z = zipMap as NonNullable<typeof zipMap>;
    const column = columnOf(z.labels, `the ZipMap "${output.name}"`);
    return { inputName: input.name, probabilityOutput: z.input, columns: z.labels.length, column, contributionsName: contributions, bytes: withoutZipMap(bytes, z), reads: `${output.name} (ZipMap) [label ${positive}]` };
  }
  if (!isFloatTensor(output)) fail(`probability output ${describe(output)} is not a float32 tensor or a ZipMap`);
  const rowWidth = output.dims.length === 1 ? 1 : output.dims[1];
  if (output.dims.length > 2 || output.dims.length === 0) fail(`probability output ${describe(output)} is not [N], [N, 1] or [N, classes]`);
  if (rowWidth === 1) return { inputName: input.name, probabilityOutput: output.name, columns: 1, column: 0, contributionsName: contributions, bytes, reads: output.name };

  // One column per class: the labels of the graph's classifier, else 0…C−1.
  const classifiers = description.classifierLabels;
  if (classifiers.length > 1) fail(`the graph has ${classifiers.length} classifiers; which one's labels number the columns of "${output.name}" is ambiguous`);
  const labels = classifiers[0] ?? (typeof rowWidth === 'number' ? Array.from({ length: rowWidth }, (_, i) => i) : undefined);
  if (labels === undefined) fail(`probability output ${describe(output)} has no known number of columns and the graph declares no class labels`);
  const l = labels as (number | string)[];
  if (typeof rowWidth === 'number' && l.length !== rowWidth) fail(`probability output ${describe(output)} has ${rowWidth} columns for ${l.length} class labels [${l.join(', ')}]`);
  const column = columnOf(l, `"${output.name}"`);
  return { inputName: input.name, probabilityOutput: output.name, columns: l.length, column, contributionsName: contributions, bytes, reads: `${output.name} [label ${positive}, column ${column}]` };
}

/** The named output, else the only float tensor output (contributions aside), else skl2onnx's probability output. */
function probabilityOutput(metadata: ModelMetadata, outputs: readonly OnnxValue[], fail: (what: string) => never): OnnxValue {
  if (metadata.outputName !== undefined) {
    return outputs.find((o) => o.name === metadata.outputName) ?? fail(`no graph output "${metadata.outputName}" (outputs: ${list(outputs)})`);
  }
  const candidates = outputs.filter((o) => o.name !== metadata.contributionsName);
  const floats = candidates.filter(isFloatTensor);
  if (floats.length === 1) return floats[0] as OnnxValue;
  const named = candidates.find((o) => (PROBABILITY_OUTPUT_NAMES as readonly string[]).includes(o.name));
  return named ?? fail(`no probability output: outputs are ${list(outputs)}; expected one float32 output, or one named ${PROBABILITY_OUTPUT_NAMES.join(' or ')}, or set outputName`);
}
