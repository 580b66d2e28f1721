/** Loads the model at start and reconciles it with the configured features: everything the topology needs from the model, checked before anything is consumed. */
import { readFile } from 'node:fs/promises';
import { WindowAggregateSchema } from '@tributary/schemas';
import { ModelError } from './errors.js';
import type { FeatureExtractor } from './features/feature-spec.js';
import { numericPaths } from './features/numeric-paths.js';
import { loadModel, type LoadedModel } from './model/model-loader.js';
import { parseModelMetadata, type ModelMetadata } from './model/model-metadata.js';
import { metadataPathFor, type OnnxScorer } from './model/onnx-scorer.js';

export interface ScoringModelOptions {
  readonly modelPath: string;
  /** The sidecar; default: `model.json` next to the model, which may then be absent if the model embeds its metadata. */
  readonly metadataPath?: string | undefined;
  /** FEATURES items; undefined: the model's own featureExpressions. */
  readonly features?: readonly string[] | undefined;
  /** FEATURE_NULL_VALUE (default 0). */
  readonly nullValue?: number;
  /** The input record's numeric paths, which FEATURES may read; default: the WindowAggregate schema's (windows mode). */
  readonly numericPaths?: ReadonlySet<string> | undefined;
}

export interface ScoringModel {
  readonly scorer: OnnxScorer;
  /** The features in the model's input order. */
  readonly features: FeatureExtractor;
}

async function read(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new ModelError(`cannot read the ${what} ${path}: ${(error as Error).message}`, error);
  }
}

/** The sidecar's metadata; undefined when it is the default one and there is no such file (the model may embed its metadata). */
async function readSidecar(options: ScoringModelOptions): Promise<ModelMetadata | undefined> {
  const path = options.metadataPath ?? metadataPathFor(options.modelPath);
  let text: string;
  try {
    text = (await readFile(path)).toString('utf8');
  } catch (error) {
    if (options.metadataPath === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelError(`cannot read the model sidecar ${path}: ${(error as Error).message}`, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelError(`${path} is not valid JSON: ${(error as Error).message}`, error);
  }
  return parseModelMetadata(json, path);
}

/**
 * Reads the model file and its metadata (the sidecar and/or the file's
 * embedded metadata) and loads it with `loadModel`; a refusal is thrown (a
 * ModelError for the file, the metadata or the graph, a ConfigError for
 * FEATURES against the model or the input schema): at start there
 * is no model to keep, so the service stops with the message.
 */
export async function loadScoringModel(options: ScoringModelOptions): Promise<LoadedModel> {
  const bytes = await read(options.modelPath, 'model file');
  const sidecar = await readSidecar(options);
  const load = await loadModel(
    bytes,
    sidecar,
    { items: options.features, nullValue: options.nullValue ?? 0, numericPaths: options.numericPaths ?? numericPaths(WindowAggregateSchema.schema) },
    options.modelPath,
  );
  if (!load.ok) throw load.refusal.error;
  return load.model;
}
