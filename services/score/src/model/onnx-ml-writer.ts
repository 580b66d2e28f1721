/**
 * Writes binary classifiers with the ONNX-ML operators (domain `ai.onnx.ml`)
 * that skl2onnx emits for scikit-learn models: a `TreeEnsembleClassifier`
 * (decision trees, random forests) and a `LinearClassifier` (logistic
 * regression). No scikit-learn here: these are the same protobuf messages
 * skl2onnx writes, built with onnx-proto, so the tests can prove the score
 * operator reads what a user exports without a Python toolchain.
 *
 * Outputs follow skl2onnx: a label tensor int64 [N] and the class
 * probabilities, either as a float tensor [N, C] (`probabilities`, what
 * skl2onnx writes with `options={id(clf): {'zipmap': False}}`) or, by
 * default in skl2onnx, through a `ZipMap` as a sequence of maps class label
 * → probability (`output_probability`).
 *
 * Like onnx-writer.ts: a pure function of the parameters, byte-identical for
 * identical parameters.
 */
import onnxProto from 'onnx-proto';
import { IR_VERSION } from './onnx-writer.js';

const { onnx } = onnxProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;
type NodeProto = onnxProto.onnx.INodeProto;
type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

/** Version of `ai.onnx.ml` the graphs import (TreeEnsembleClassifier, LinearClassifier, Normalizer, ZipMap: all version 1 ops; onnxruntime 1.30 runs them). */
export const ML_OPSET_VERSION = 3;
export const ML_DOMAIN = 'ai.onnx.ml';

/** What every classifier written here shares. */
export interface ClassifierCommon {
  readonly name: string;
  readonly version: string;
  /** Input width F (the number of feature columns). */
  readonly width: number;
  /** Class labels in column order (default [0, 1]). */
  readonly classLabels?: readonly number[];
  /** Input tensor name (default `float_input`, skl2onnx's usual name). */
  readonly inputName?: string;
  /**
   * `true` (skl2onnx's default): probabilities through a ZipMap, as output `output_probability`
   * (a sequence of maps), label as `output_label`. `false`: a float tensor [N, C] `probabilities` and `label`.
   */
  readonly zipMap?: boolean;
  /** metadata_props, in key order (e.g. `tributary.model`, see model-metadata.ts). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** A decision-tree node: a split (`x[feature] <= threshold` goes left) or a leaf with a weight per class. */
export type TreeNode =
  | { readonly feature: number; readonly threshold: number; readonly left: TreeNode; readonly right: TreeNode }
  | { readonly leaf: readonly number[] };

export interface TreeEnsembleClassifierModel extends ClassifierCommon {
  /**
   * The trees; a row's class scores are the sums over the trees of its leaves' weights (post_transform NONE),
   * so a random forest's leaves hold class proportions divided by the number of trees, as skl2onnx writes them.
   */
  readonly trees: readonly TreeNode[];
}

export interface LinearClassifierModel extends ClassifierCommon {
  /** One weight per input column, of the positive (second) class. */
  readonly weights: readonly number[];
  readonly bias: number;
}

const attribute = {
  ints: (name: string, ints: readonly number[]): AttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...ints] }),
  floats: (name: string, floats: readonly number[]): AttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.FLOATS, floats: [...floats] }),
  strings: (name: string, strings: readonly string[]): AttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.STRINGS,
    strings: strings.map((s) => new TextEncoder().encode(s)),
  }),
  string: (name: string, value: string): AttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(value) }),
  int: (name: string, i: number): AttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i }),
};

const { FLOAT, INT64 } = onnx.TensorProto.DataType;

function tensorInfo(name: string, elemType: number, dims: readonly (number | string)[]): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

/** `seq(map(int64, float))`: the type of a ZipMap's output. */
function zipMapInfo(name: string): ValueInfoProto {
  return {
    name,
    type: { sequenceType: { elemType: { mapType: { keyType: INT64, valueType: { tensorType: { elemType: FLOAT } } } } } },
  };
}

function checkCommon(model: ClassifierCommon): readonly number[] {
  if (!Number.isInteger(model.width) || model.width <= 0) throw new RangeError(`width must be a positive integer, got ${model.width}`);
  const labels = model.classLabels ?? [0, 1];
  if (labels.length !== 2) throw new RangeError(`a binary classifier has 2 class labels, got ${labels.length}`);
  return labels;
}

/**
 * The graph around a classifier node: its outputs (label, probability tensor), then
 * either the tensor as a graph output or a ZipMap over it, as skl2onnx does.
 */
function classifierGraph(model: ClassifierCommon, labels: readonly number[], classifier: (input: string, label: string, probabilities: string) => NodeProto[]): Uint8Array {
  const input = model.inputName ?? 'float_input';
  const zipMap = model.zipMap ?? true;
  const label = zipMap ? 'output_label' : 'label';
  const probabilities = 'probabilities';
  const nodes = classifier(input, label, probabilities);
  const outputs = [tensorInfo(label, INT64, ['N'])];
  if (zipMap) {
    nodes.push({ opType: 'ZipMap', domain: ML_DOMAIN, name: 'ZipMap', input: [probabilities], output: ['output_probability'], attribute: [attribute.ints('classlabels_int64s', labels)] });
    outputs.push(zipMapInfo('output_probability'));
  } else {
    outputs.push(tensorInfo(probabilities, FLOAT, ['N', labels.length]));
  }
  const metadata = model.metadata ?? {};
  const proto: onnxProto.onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [
      { domain: '', version: 13 },
      { domain: ML_DOMAIN, version: ML_OPSET_VERSION },
    ],
    producerName: 'tributary-score',
    graph: { name: model.name, input: [tensorInfo(input, FLOAT, ['N', model.width])], output: outputs, node: nodes },
    metadataProps: Object.keys(metadata)
      .sort()
      .map((key) => ({ key, value: metadata[key] as string })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(proto)).finish();
}

/** A tree ensemble as the flat node arrays TreeEnsembleClassifier takes: nodes numbered in pre-order within each tree. */
function flatten(trees: readonly TreeNode[], width: number, classes: number) {
  const n = {
    treeIds: [] as number[],
    nodeIds: [] as number[],
    featureIds: [] as number[],
    modes: [] as string[],
    values: [] as number[],
    trueIds: [] as number[],
    falseIds: [] as number[],
    classTreeIds: [] as number[],
    classNodeIds: [] as number[],
    classIds: [] as number[],
    classWeights: [] as number[],
  };
  trees.forEach((tree, treeId) => {
    let next = 0;
    const visit = (node: TreeNode): number => {
      const id = next++;
      const at = n.nodeIds.length;
      n.treeIds.push(treeId);
      n.nodeIds.push(id);
      if ('leaf' in node) {
        if (node.leaf.length !== classes || node.leaf.some((w) => !Number.isFinite(w))) throw new RangeError(`tree ${treeId} node ${id}: a leaf holds ${classes} finite class weights`);
        n.featureIds.push(0);
        n.modes.push('LEAF');
        n.values.push(0);
        n.trueIds.push(0);
        n.falseIds.push(0);
        node.leaf.forEach((weight, classId) => {
          n.classTreeIds.push(treeId);
          n.classNodeIds.push(id);
          n.classIds.push(classId);
          n.classWeights.push(weight);
        });
        return id;
      }
      if (!Number.isInteger(node.feature) || node.feature < 0 || node.feature >= width) throw new RangeError(`tree ${treeId} node ${id}: feature ${node.feature} is not a column of ${width}`);
      if (!Number.isFinite(node.threshold)) throw new RangeError(`tree ${treeId} node ${id}: threshold is not finite`);
      n.featureIds.push(node.feature);
      n.modes.push('BRANCH_LEQ');
      n.values.push(node.threshold);
      n.trueIds.push(-1);
      n.falseIds.push(-1);
      n.trueIds[at] = visit(node.left);
      n.falseIds[at] = visit(node.right);
      return id;
    };
    visit(tree);
  });
  return n;
}

/** A TreeEnsembleClassifier (post_transform NONE) as an encoded ModelProto (opset 13 + ai.onnx.ml 3, IR 8). */
export function writeTreeEnsembleClassifierOnnx(model: TreeEnsembleClassifierModel): Uint8Array {
  const labels = checkCommon(model);
  if (model.trees.length === 0) throw new RangeError('a tree ensemble needs at least one tree');
  const n = flatten(model.trees, model.width, labels.length);
  return classifierGraph(model, labels, (input, label, probabilities) => [
    {
      opType: 'TreeEnsembleClassifier',
      domain: ML_DOMAIN,
      name: 'TreeEnsembleClassifier',
      input: [input],
      output: [label, probabilities],
      attribute: [
        attribute.ints('class_ids', n.classIds),
        attribute.ints('class_nodeids', n.classNodeIds),
        attribute.ints('class_treeids', n.classTreeIds),
        attribute.floats('class_weights', n.classWeights),
        attribute.ints('classlabels_int64s', labels),
        attribute.ints('nodes_falsenodeids', n.falseIds),
        attribute.ints('nodes_featureids', n.featureIds),
        attribute.strings('nodes_modes', n.modes),
        attribute.ints('nodes_nodeids', n.nodeIds),
        attribute.ints('nodes_treeids', n.treeIds),
        attribute.ints('nodes_truenodeids', n.trueIds),
        attribute.floats('nodes_values', n.values),
        attribute.string('post_transform', 'NONE'),
      ],
    },
  ]);
}

/**
 * A binary LinearClassifier as skl2onnx writes a LogisticRegression: one
 * coefficient row per class (the negated weights for the first class, so
 * with post_transform LOGISTIC the two columns are sigmoid(−z) and
 * sigmoid(z)), then a Normalizer (L1) that makes the rows sum to one.
 */
export function writeLinearClassifierOnnx(model: LinearClassifierModel): Uint8Array {
  const labels = checkCommon(model);
  if (model.weights.length !== model.width) throw new RangeError(`weights has ${model.weights.length} values for ${model.width} columns`);
  if (model.weights.some((w) => !Number.isFinite(w)) || !Number.isFinite(model.bias)) throw new RangeError('weights and bias must be finite');
  return classifierGraph(model, labels, (input, label, probabilities) => [
    {
      opType: 'LinearClassifier',
      domain: ML_DOMAIN,
      name: 'LinearClassifier',
      input: [input],
      output: [label, 'raw_probabilities'],
      attribute: [
        // LinearClassifier spells it classlabels_ints (TreeEnsembleClassifier and ZipMap: classlabels_int64s).
        attribute.ints('classlabels_ints', labels),
        attribute.floats('coefficients', [...model.weights.map((w) => -w), ...model.weights]),
        attribute.floats('intercepts', [-model.bias, model.bias]),
        attribute.int('multi_class', 0),
        attribute.string('post_transform', 'LOGISTIC'),
      ],
    },
    { opType: 'Normalizer', domain: ML_DOMAIN, name: 'Normalizer', input: ['raw_probabilities'], output: [probabilities], attribute: [attribute.string('norm', 'L1')] },
  ]);
}
