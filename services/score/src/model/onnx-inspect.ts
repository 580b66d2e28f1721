/** Reads what the score operator checks in an ONNX file before it runs it: metadata_props and the graph's inputs and outputs. */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** A graph input or output: its name and dims (a number, or the symbolic name of a free dim such as the batch size). */
export interface OnnxValue {
  readonly name: string;
  readonly dims: (number | string)[];
}

export interface OnnxDescription {
  readonly irVersion: number;
  /** Version of the default ("ai.onnx") opset the model imports. */
  readonly opsetVersion: number | undefined;
  readonly metadata: Record<string, string>;
  readonly inputs: OnnxValue[];
  readonly outputs: OnnxValue[];
}

/** protobufjs gives int64 fields as numbers or as Long objects. */
const toNumber = (value: unknown): number | undefined => {
  if (typeof value === 'number') return value;
  const long = value as { toNumber?: unknown } | null | undefined;
  return typeof long?.toNumber === 'function' ? (long as { toNumber(): number }).toNumber() : undefined;
};

function valueOf(info: onnxProto.onnx.IValueInfoProto): OnnxValue {
  const dims = (info.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : (toNumber(d.dimValue) ?? '?')));
  return { name: info.name ?? '', dims };
}

/** Decodes an ONNX ModelProto (throws on bytes that are not one). */
export function inspectOnnx(bytes: Uint8Array): OnnxDescription {
  const model = onnx.ModelProto.decode(bytes);
  const metadata: Record<string, string> = {};
  for (const entry of model.metadataProps) if (typeof entry.key === 'string') metadata[entry.key] = entry.value ?? '';
  const initializers = new Set((model.graph?.initializer ?? []).map((t) => t.name));
  return {
    irVersion: toNumber(model.irVersion) ?? 0,
    opsetVersion: toNumber(model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx' || o.domain === null)?.version),
    metadata,
    // Old exporters list initializers among the inputs: those are not fed by the caller.
    inputs: (model.graph?.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map(valueOf),
    outputs: (model.graph?.output ?? []).map(valueOf),
  };
}
