/**
 * Loading a model is deciding whether to accept it: bytes and metadata in,
 * a ready model or a refusal out, never a throw for a bad model and never a
 * process exit. A start refuses by failing; a hot reload (next) will log the
 * refusal and keep scoring with the model it has, which is why validation
 * is kept apart from swapping.
 */
import { ConfigError } from '@tributary/streams';
import { ModelError } from '../errors.js';
import type { FeatureExtractor } from '../features/feature-spec.js';
import { featuresForModel, type ModelFeatureOptions } from '../features/model-features.js';
import { EMBEDDED_METADATA_KEY, parseModelMetadata, type ModelMetadata } from './model-metadata.js';
import { inspectOnnx } from './onnx-inspect.js';
import { OnnxScorer } from './onnx-scorer.js';

/** A model accepted and ready to score: its session, its metadata and the operator's features in its input order. */
export interface LoadedModel {
  readonly scorer: OnnxScorer;
  readonly features: FeatureExtractor;
  /** Frees the onnxruntime session; the model must not score afterwards. */
  release(): Promise<void>;
}

/** Why a model was refused: `message` names the mismatch; `error` is the ModelError (graph, metadata) or ConfigError (features). */
export interface ModelRefusal {
  readonly message: string;
  readonly error: ModelError | ConfigError;
}

export type ModelLoad = { readonly ok: true; readonly model: LoadedModel } | { readonly ok: false; readonly refusal: ModelRefusal };

/** The metadata embedded in an ONNX file (metadata_props `tributary.model`), or undefined when it carries none. Throws a ModelError when it is not valid. */
export function embeddedMetadata(bytes: Uint8Array, source = 'model'): ModelMetadata | undefined {
  let text: string | undefined;
  try {
    text = inspectOnnx(bytes).metadata[EMBEDDED_METADATA_KEY];
  } catch (error) {
    throw new ModelError(`${source} is not an ONNX model: ${(error as Error).message}`, error);
  }
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelError(`${source}: metadata_props "${EMBEDDED_METADATA_KEY}" is not valid JSON: ${(error as Error).message}`, error);
  }
  return parseModelMetadata(json, `${source} metadata_props "${EMBEDDED_METADATA_KEY}"`);
}

/** JSON with object keys sorted: two metadata objects are the same when these strings are. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The metadata to load `bytes` with: the sidecar's (model.json) and/or the
 * one embedded in the file; when both are there they must be the same
 * (two descriptions of one model that disagree are a packaging mistake,
 * not something to resolve silently).
 */
export function resolveMetadata(bytes: Uint8Array, sidecar: ModelMetadata | undefined, source = 'model'): ModelMetadata {
  const embedded = embeddedMetadata(bytes, source);
  if (sidecar === undefined) {
    if (embedded === undefined) throw new ModelError(`${source} has no metadata: no model.json was given and its metadata_props hold no "${EMBEDDED_METADATA_KEY}"`);
    return embedded;
  }
  if (embedded !== undefined) {
    const a = sidecar as unknown as Record<string, unknown>;
    const b = embedded as unknown as Record<string, unknown>;
    const differing = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => canonical(a[k]) !== canonical(b[k])).sort();
    if (differing.length > 0) throw new ModelError(`${source}: model.json and the embedded "${EMBEDDED_METADATA_KEY}" metadata differ in ${differing.join(', ')}`);
  }
  return sidecar;
}

/**
 * Checks a model and loads it: its metadata (`metadata`, or embedded in the
 * file), the graph against the model contract, onnxruntime's own load, and
 * the operator's features (`features`: FEATURES or the model's
 * featureExpressions) against the model's feature names. A bad model is a
 * refusal, not a throw; nothing is swapped or released here besides the
 * refused model's own session.
 */
export async function loadModel(bytes: Uint8Array, metadata: ModelMetadata | undefined, features: ModelFeatureOptions, source = 'model'): Promise<ModelLoad> {
  let scorer: OnnxScorer | undefined;
  try {
    const resolved = resolveMetadata(bytes, metadata, source);
    scorer = await OnnxScorer.fromBytes(bytes, resolved, source);
    const extractor = featuresForModel(resolved, features);
    const accepted = scorer;
    return { ok: true, model: { scorer: accepted, features: extractor, release: () => accepted.release() } };
  } catch (error) {
    await scorer?.release();
    if (error instanceof ModelError || error instanceof ConfigError) return { ok: false, refusal: { message: error.message, error } };
    throw error;
  }
}
