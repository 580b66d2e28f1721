/** Reads what the score operator checks in an ONNX file before it runs it: metadata_props, the graph's inputs and outputs, and the class labels of its classifiers. */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/**
 * A graph input or output. For a tensor: its element type (`float`, `double`, `int64`…) and dims (a number,
 * or the symbolic name of a free dim such as the batch size); for a sequence or a map only its kind.
 */
export interface OnnxValue {
  readonly name: string;
  readonly kind: 'tensor' | 'sequence' | 'map' | 'other';
  readonly elemType?: string;
  readonly dims: (number | string)[];
}

/** A ZipMap node (what skl2onnx puts after a classifier by default): it turns a probability tensor [N, C] into a sequence of maps label → probability. */
export interface ZipMapNode {
  readonly input: string;
  readonly output: string;
  readonly labels: (number | string)[];
}

export interface OnnxDescription {
  readonly irVersion: number;
  /** Version of the default ("ai.onnx") opset the model imports. */
  readonly opsetVersion: number | undefined;
  readonly metadata: Record<string, string>;
  readonly inputs: OnnxValue[];
  readonly outputs: OnnxValue[];
  readonly zipMaps: ZipMapNode[];
  /** Class labels of each ai.onnx.ml classifier node (LinearClassifier, TreeEnsembleClassifier, SVMClassifier…), in node order. */
  readonly classifierLabels: (number | string)[][];
}

/** protobufjs gives int64 fields as numbers or as Long objects. */
const toNumber = (value: unknown): number | undefined => {
  if (typeof value === 'number') return value;
  const long = value as { toNumber?: unknown } | null | undefined;
  return typeof long?.toNumber === 'function' ? (long as { toNumber(): number }).toNumber() : undefined;
};

/** `float`, `double`, `int64`… for a TensorProto.DataType code. */
export function elemTypeName(code: number | null | undefined): string {
  const name = code === null || code === undefined ? undefined : onnx.TensorProto.DataType[code];
  return name === undefined ? `type ${code}` : name.toLowerCase();
}

function valueOf(info: onnxProto.onnx.IValueInfoProto): OnnxValue {
  const name = info.name ?? '';
  const type = info.type;
  if (type?.tensorType) {
    const dims = (type.tensorType.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : (toNumber(d.dimValue) ?? '?')));
    return { name, kind: 'tensor', elemType: elemTypeName(type.tensorType.elemType), dims };
  }
  return { name, kind: type?.sequenceType ? 'sequence' : type?.mapType ? 'map' : 'other', dims: [] };
}

const decoder = new TextDecoder();

/** The class labels an ai.onnx.ml node declares (`classlabels_int64s`, `classlabels_ints` or `classlabels_strings`), if any. */
function labelsOf(node: onnxProto.onnx.INodeProto): (number | string)[] | undefined {
  for (const attribute of node.attribute ?? []) {
    if (attribute.name === 'classlabels_int64s' || attribute.name === 'classlabels_ints') return (attribute.ints ?? []).map((i) => toNumber(i) ?? Number.NaN);
    if (attribute.name === 'classlabels_strings') return (attribute.strings ?? []).map((s) => decoder.decode(s));
  }
  return undefined;
}

/** Decodes an ONNX ModelProto (throws on bytes that are not one). */
export function inspectOnnx(bytes: Uint8Array): OnnxDescription {
  const model = onnx.ModelProto.decode(bytes);
  const metadata: Record<string, string> = {};
  for (const entry of model.metadataProps) if (typeof entry.key === 'string') metadata[entry.key] = entry.value ?? '';
  const initializers = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  const zipMaps: ZipMapNode[] = [];
  const classifierLabels: (number | string)[][] = [];
  for (const node of model.graph?.node ?? []) {
    if (node.domain !== 'ai.onnx.ml') continue;
    const labels = labelsOf(node);
    if (node.opType === 'ZipMap') zipMaps.push({ input: node.input?.[0] ?? '', output: node.output?.[0] ?? '', labels: labels ?? [] });
    else if (labels !== undefined) classifierLabels.push(labels);
  }
  return {
    irVersion: toNumber(model.irVersion) ?? 0,
    opsetVersion: toNumber(model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx' || o.domain === null)?.version),
    metadata,
    // Old exporters list initializers among the inputs: those are not fed by the caller.
    inputs: (model.graph?.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map(valueOf),
    outputs: (model.graph?.output ?? []).map(valueOf),
    zipMaps,
    classifierLabels,
  };
}

/**
 * The same model with a ZipMap's input tensor as the graph output in place
 * of the ZipMap's sequence of maps, and the ZipMap node removed.
 * onnxruntime-node cannot return a sequence or a map ("Non tensor type is
 * temporarily not supported", 1.30), and the tensor holds the same numbers,
 * one column per label of the ZipMap.
 */
export function withoutZipMap(bytes: Uint8Array, zipMap: ZipMapNode): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new RangeError('the model has no graph');
  graph.node = (graph.node ?? []).filter((n) => !(n.opType === 'ZipMap' && n.output?.[0] === zipMap.output));
  graph.output = (graph.output ?? []).map((o) =>
    o.name === zipMap.output
      ? onnx.ValueInfoProto.create({
          name: zipMap.input,
          type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: zipMap.labels.length }] } } },
        })
      : o,
  );
  return onnx.ModelProto.encode(model).finish();
}

/** The model with metadata_props `key` set to `value` (replaced if present): e.g. its model.json under EMBEDDED_METADATA_KEY. */
export function withMetadataProp(bytes: Uint8Array, key: string, value: string): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  model.metadataProps = [...model.metadataProps.filter((p) => p.key !== key), onnx.StringStringEntryProto.create({ key, value })];
  return onnx.ModelProto.encode(model).finish();
}
