/**
 * The wire protocols between the score operator and a model server, both
 * JSON over HTTP (the README's "Remote models" has the full description).
 *
 * **Tributary (primary).** `MODEL_ENDPOINT` is the model's URL, e.g.
 * `http://models:8500/models/coldchain-risk`:
 *
 * - `POST <endpoint>` `{"model": name, "features": [names], "rows": [[f1, …, fF], …]}`
 *   → `{"scores": [risk, …], "contributions"?: [[c1, …, cF], …], "model": {"name", "version"}}`;
 *   one score per row, in row order; rows are the features as the operator
 *   computes them (before any `standardization`: the server applies its
 *   model's own).
 * - `GET <endpoint>` → the model's metadata (the model.json object).
 *
 * **KServe v2 / Open Inference Protocol.** An endpoint whose path ends in
 * `/v2/models/<name>` (optionally `/versions/<v>`):
 *
 * - `POST <endpoint>/infer` `{"id", "inputs": [{"name", "shape": [N, F], "datatype": "FP32", "data": [flat rows]}]}`
 *   → `{"model_name", "model_version", "outputs": [{"name", "shape", "datatype", "data"}]}`;
 *   the risk is the output named `outputName` (else `risk`, else the only
 *   output), `[N]`, `[N, 1]`, or `[N, C]` read at column `positiveClass`;
 *   contributions the output named `contributionsName`, `[N, F]`, if returned.
 * - `GET <endpoint>` → v2 model metadata; its `parameters["tributary.model"]`
 *   (a JSON string, as in an ONNX file's metadata_props) is the model's
 *   metadata when the server provides it, else set MODEL_METADATA_PATH.
 */
import { ModelError } from '../errors.js';
import { EMBEDDED_METADATA_KEY, parseModelMetadata, type ModelMetadata } from '../model/model-metadata.js';

export type RemoteProtocol = 'tributary' | 'v2';

export interface RemoteEndpoint {
  readonly protocol: RemoteProtocol;
  /** Where batches are POSTed. */
  readonly inferUrl: string;
  /** Where the model's metadata is read (GET). */
  readonly metadataUrl: string;
}

const V2_MODEL_PATH = /\/v2\/models\/[^/]+(\/versions\/[^/]+)?$/;

/** The protocol and URLs of a `MODEL_ENDPOINT` (no trailing slash). */
export function remoteEndpoint(endpoint: string): RemoteEndpoint {
  const url = endpoint.replace(/\/+$/, '');
  if (V2_MODEL_PATH.test(new URL(url).pathname)) return { protocol: 'v2', inferUrl: `${url}/infer`, metadataUrl: url };
  return { protocol: 'tributary', inferUrl: url, metadataUrl: url };
}

/** The tributary protocol's request. */
export interface ScoreRequest {
  readonly model: string;
  readonly features: readonly string[];
  readonly rows: readonly (readonly number[])[];
}

/** The tributary protocol's response. */
export interface ScoreResponse {
  readonly scores: readonly number[];
  readonly contributions?: readonly (readonly number[])[];
  readonly model: { readonly name: string; readonly version: string };
}

/** A v2 tensor (request input or response output). */
export interface V2Tensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly datatype: string;
  readonly data: readonly unknown[];
}

/** What a response says about `count` rows: their risks and, when given, F contributions each (row-major). */
export interface DecodedScores {
  readonly risk: Float32Array;
  readonly contributions: Float32Array | undefined;
  /** The model that answered, when the response names it. */
  readonly model: { readonly name: string; readonly version: string | undefined } | undefined;
}

/** A response that breaks the protocol (a permanent failure: the same request will get the same answer). */
export class ProtocolViolation extends Error {}

const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function floats(values: readonly unknown[], what: string): Float32Array {
  const out = new Float32Array(values.length);
  values.forEach((v, i) => {
    if (!isFiniteNumber(v)) throw new ProtocolViolation(`${what}[${i}] is ${JSON.stringify(v)}, not a finite number`);
    out[i] = v;
  });
  return out;
}

/** Rows `start … start+count-1` of the row-major `rows` (width F) as nested arrays. */
function nestedRows(rows: Float32Array, width: number, start: number, count: number): number[][] {
  return Array.from({ length: count }, (_, r) => Array.from(rows.subarray((start + r) * width, (start + r + 1) * width)));
}

/** The request body for `count` rows from `start`. */
export function encodeRequest(protocol: RemoteProtocol, metadata: ModelMetadata, rows: Float32Array, start: number, count: number, id: string | undefined): unknown {
  const width = metadata.features.length;
  if (protocol === 'tributary') {
    const request: ScoreRequest = { model: metadata.name, features: metadata.features, rows: nestedRows(rows, width, start, count) };
    return request;
  }
  const input: V2Tensor = {
    name: metadata.inputName ?? 'features',
    shape: [count, width],
    datatype: 'FP32',
    data: Array.from(rows.subarray(start * width, (start + count) * width)),
  };
  return { ...(id === undefined ? {} : { id }), inputs: [input] };
}

function decodeTributary(json: Record<string, unknown>, metadata: ModelMetadata, count: number): DecodedScores {
  const width = metadata.features.length;
  const { scores, contributions, model } = json;
  if (!Array.isArray(scores)) throw new ProtocolViolation('no "scores" array');
  if (scores.length !== count) throw new ProtocolViolation(`${scores.length} scores for ${count} rows`);
  let flat: Float32Array | undefined;
  if (contributions !== undefined && contributions !== null) {
    if (!Array.isArray(contributions) || contributions.length !== count || contributions.some((c) => !Array.isArray(c) || c.length !== width)) {
      throw new ProtocolViolation(`"contributions" is not ${count} rows of ${width} numbers`);
    }
    flat = floats((contributions as unknown[][]).flat(), 'contributions');
  }
  let named: DecodedScores['model'];
  if (model !== undefined) {
    const m = model as Record<string, unknown> | null;
    if (typeof m !== 'object' || m === null || typeof m.name !== 'string' || typeof m.version !== 'string') {
      throw new ProtocolViolation('"model" is not {"name": string, "version": string}');
    }
    named = { name: m.name, version: m.version };
  }
  return { risk: floats(scores, 'scores'), contributions: flat, model: named };
}

function tensorValues(output: Record<string, unknown>, what: string): { shape: number[]; data: Float32Array } {
  const { shape, data } = output;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) throw new ProtocolViolation(`${what} has no valid "shape"`);
  if (!Array.isArray(data)) throw new ProtocolViolation(`${what} has no "data" array`);
  const values = floats(data.flat(Number.POSITIVE_INFINITY) as unknown[], `${what} data`);
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  if (values.length !== size) throw new ProtocolViolation(`${what} has ${values.length} values for shape [${shape.join(', ')}]`);
  return { shape: shape as number[], data: values };
}

function decodeV2(json: Record<string, unknown>, metadata: ModelMetadata, count: number): DecodedScores {
  const width = metadata.features.length;
  const outputs = json.outputs;
  if (!Array.isArray(outputs) || outputs.some((o) => typeof o !== 'object' || o === null || typeof (o as { name?: unknown }).name !== 'string')) {
    throw new ProtocolViolation('no "outputs" array of named tensors');
  }
  const byName = new Map((outputs as Record<string, unknown>[]).map((o) => [o.name as string, o]));
  const probability =
    (metadata.outputName !== undefined ? byName.get(metadata.outputName) : undefined) ??
    byName.get('risk') ??
    (outputs.length === 1 ? (outputs[0] as Record<string, unknown>) : undefined);
  if (probability === undefined) throw new ProtocolViolation(`no output named ${metadata.outputName ?? 'risk'} among [${[...byName.keys()].join(', ')}]`);
  const p = tensorValues(probability, `output "${String(probability.name)}"`);
  let risk: Float32Array;
  if (p.shape[0] !== count) throw new ProtocolViolation(`output "${String(probability.name)}" has ${p.shape[0]} rows for ${count}`);
  if (p.shape.length === 1 || (p.shape.length === 2 && p.shape[1] === 1)) risk = p.data;
  else if (p.shape.length === 2) {
    const columns = p.shape[1] as number;
    const column = typeof metadata.positiveClass === 'number' ? metadata.positiveClass : 1;
    if (!Number.isInteger(column) || column < 0 || column >= columns) throw new ProtocolViolation(`positive class column ${column} is not among ${columns} columns`);
    risk = Float32Array.from({ length: count }, (_, r) => p.data[r * columns + column] as number);
  } else throw new ProtocolViolation(`output "${String(probability.name)}" has shape [${p.shape.join(', ')}]; expected [N], [N, 1] or [N, C]`);
  const c = metadata.contributionsName === undefined ? undefined : byName.get(metadata.contributionsName);
  let contributions: Float32Array | undefined;
  if (c !== undefined) {
    const t = tensorValues(c, `output "${metadata.contributionsName}"`);
    if (t.data.length !== count * width) throw new ProtocolViolation(`output "${metadata.contributionsName}" is not ${count}×${width} values`);
    contributions = t.data;
  }
  const name = json.model_name;
  const version = json.model_version;
  return { risk, contributions, model: typeof name === 'string' ? { name, version: typeof version === 'string' ? version : undefined } : undefined };
}

/** Reads a successful response's JSON for `count` rows; throws a ProtocolViolation when it breaks the protocol. */
export function decodeResponse(protocol: RemoteProtocol, json: unknown, metadata: ModelMetadata, count: number): DecodedScores {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ProtocolViolation('the response is not a JSON object');
  const record = json as Record<string, unknown>;
  return protocol === 'tributary' ? decodeTributary(record, metadata, count) : decodeV2(record, metadata, count);
}

/** The model's metadata from the answer to `GET <endpoint>` (a ModelError when it is not valid or, for v2, absent). */
export function metadataFromResponse(protocol: RemoteProtocol, json: unknown, source: string): ModelMetadata {
  if (protocol === 'tributary') return parseModelMetadata(json, source);
  const parameters = (json as { parameters?: Record<string, unknown> } | null)?.parameters;
  const text = parameters?.[EMBEDDED_METADATA_KEY];
  if (typeof text !== 'string') {
    throw new ModelError(`${source}: the v2 model metadata has no parameters["${EMBEDDED_METADATA_KEY}"]; set MODEL_METADATA_PATH`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelError(`${source}: parameters["${EMBEDDED_METADATA_KEY}"] is not valid JSON: ${(error as Error).message}`, error);
  }
  return parseModelMetadata(parsed, `${source} parameters["${EMBEDDED_METADATA_KEY}"]`);
}
