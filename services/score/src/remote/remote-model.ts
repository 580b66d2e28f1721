/**
 * The remote counterpart of `loadScoringModel`: with MODEL_ENDPOINT set, the
 * model's metadata comes from MODEL_METADATA_PATH or, unset, from the model
 * server itself (`GET <endpoint>`), and batches are scored by a
 * RemoteScorer. Checked at start like a local model: metadata that is not
 * valid, or FEATURES that do not match it, stop the service.
 */
import { readFile } from 'node:fs/promises';
import type { Registry } from 'prom-client';
import { WindowAggregateSchema } from '@tributary/schemas';
import { ConfigError } from '@tributary/streams';
import { ModelError } from '../errors.js';
import type { FeatureExtractor } from '../features/feature-spec.js';
import { featuresForModel } from '../features/model-features.js';
import { numericPaths } from '../features/numeric-paths.js';
import { parseModelMetadata, type ModelMetadata } from '../model/model-metadata.js';
import type { HotReload } from '../registry/hot-reload.js';
import { fixedModel } from '../registry/model-holder.js';
import { remoteMetrics } from './remote-metrics.js';
import { metadataFromResponse, remoteEndpoint } from './remote-protocol.js';
import { RemoteScorer, type RemoteScorerOptions } from './remote-scorer.js';

export interface RemoteModelOptions extends Omit<RemoteScorerOptions, 'metadata'> {
  /** MODEL_METADATA_PATH; unset: read from the server. */
  readonly metadataPath?: string | undefined;
  /** FEATURES items; undefined: the model's own featureExpressions. */
  readonly features?: readonly string[] | undefined;
  /** FEATURE_NULL_VALUE (default 0). */
  readonly nullValue?: number;
  /** The input record's numeric paths, which FEATURES may read; default: the WindowAggregate schema's (windows mode). */
  readonly numericPaths?: ReadonlySet<string> | undefined;
}

export interface RemoteScoringModel {
  readonly scorer: RemoteScorer;
  readonly features: FeatureExtractor;
  /** Where the metadata came from (a file path or the metadata URL). */
  readonly metadataSource: string;
  release(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `GET <endpoint>` (see remote-protocol.ts), with a few retries while the
 * server is unreachable or answers 5xx (a model server starting beside the
 * operator). Throws a ModelError.
 */
export async function fetchRemoteMetadata(endpoint: string, options: { timeoutMs?: number | undefined; attempts?: number | undefined; headers?: Readonly<Record<string, string>> | undefined } = {}): Promise<ModelMetadata> {
  const { protocol, metadataUrl } = remoteEndpoint(endpoint);
  const attempts = options.attempts ?? 6;
  let last = '';
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(Math.min(2000, 200 * 2 ** (attempt - 1)));
    let response: Response;
    let text: string;
    try {
      response = await fetch(metadataUrl, { headers: { accept: 'application/json', ...options.headers }, signal: AbortSignal.timeout(options.timeoutMs ?? 2000) });
      text = await response.text();
    } catch (error) {
      last = (error as Error).message;
      continue;
    }
    if (response.status >= 500 || response.status === 429) {
      last = `HTTP ${response.status}`;
      continue;
    }
    if (!response.ok) throw new ModelError(`GET ${metadataUrl} (the model's metadata) answered HTTP ${response.status}: ${text.slice(0, 300)}`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ModelError(`GET ${metadataUrl} did not answer JSON: ${(error as Error).message}`, error);
    }
    return metadataFromResponse(protocol, json, metadataUrl);
  }
  throw new ModelError(`cannot read the model's metadata from ${metadataUrl} after ${attempts} attempts: ${last}`);
}

async function readMetadataFile(path: string): Promise<ModelMetadata> {
  let json: unknown;
  try {
    json = JSON.parse((await readFile(path)).toString('utf8'));
  } catch (error) {
    throw new ModelError(`cannot read the model metadata ${path}: ${(error as Error).message}`, error);
  }
  return parseModelMetadata(json, path);
}

/** The metadata, the features in the model's order and the RemoteScorer for MODEL_ENDPOINT. */
export async function loadRemoteScoringModel(options: RemoteModelOptions): Promise<RemoteScoringModel> {
  const metadataSource = options.metadataPath ?? remoteEndpoint(options.endpoint).metadataUrl;
  const metadata =
    options.metadataPath === undefined
      ? await fetchRemoteMetadata(options.endpoint, { timeoutMs: options.timeoutMs, headers: options.headers ?? {} })
      : await readMetadataFile(options.metadataPath);
  const features = featuresForModel(metadata, { items: options.features, nullValue: options.nullValue ?? 0, numericPaths: options.numericPaths ?? numericPaths(WindowAggregateSchema.schema) });
  const scorer = new RemoteScorer({ ...options, metadata });
  return { scorer, features, metadataSource, release: () => scorer.release() };
}

/** The settings of remote scoring, as config.ts reads them. */
export interface RemoteModelConfig {
  readonly MODEL_ENDPOINT: string;
  readonly MODEL_METADATA_PATH?: string | undefined;
  readonly MODELS_TOPIC?: string | undefined;
  readonly FEATURES?: readonly string[] | undefined;
  readonly FEATURE_NULL_VALUE: number;
  readonly REMOTE_CONCURRENCY: number;
  readonly REMOTE_BATCH_ROWS: number;
  readonly REMOTE_TIMEOUT_MS: number;
  readonly REMOTE_MAX_RETRIES: number;
  readonly REMOTE_DEADLINE_MS: number;
}

/**
 * The remote model main.ts runs with when MODEL_ENDPOINT is set, its
 * requests counted in `registry` (remote-metrics.ts); `inputPaths`: the input
 * record's numeric paths (default: WindowAggregate's). MODELS_TOPIC is
 * refused with it: the model server owns the model (a new version is
 * deployed there; the operator's restart reads its metadata again).
 */
export async function remoteScoringModel(config: RemoteModelConfig, registry: Registry, inputPaths?: ReadonlySet<string>): Promise<RemoteScoringModel> {
  if (config.MODELS_TOPIC !== undefined) {
    throw new ConfigError(`MODELS_TOPIC=${config.MODELS_TOPIC} and MODEL_ENDPOINT=${config.MODEL_ENDPOINT} are exclusive: a remote model is replaced on its server, not through the models topic`);
  }
  return await loadRemoteScoringModel({
    endpoint: config.MODEL_ENDPOINT,
    metadataPath: config.MODEL_METADATA_PATH,
    features: config.FEATURES,
    nullValue: config.FEATURE_NULL_VALUE,
    numericPaths: inputPaths,
    concurrency: config.REMOTE_CONCURRENCY,
    batchRows: config.REMOTE_BATCH_ROWS,
    timeoutMs: config.REMOTE_TIMEOUT_MS,
    maxRetries: config.REMOTE_MAX_RETRIES,
    deadlineMs: config.REMOTE_DEADLINE_MS,
    observer: remoteMetrics(registry),
  });
}

/** The model source of a remote model (the hot reload's shape, without a models topic): one model for the app's lifetime. */
export function remoteModelSource(remote: RemoteScoringModel): HotReload {
  const model = fixedModel(remote.scorer, remote.features);
  const { name, version } = remote.scorer.metadata;
  return {
    model,
    detail: { model: { name, version, source: 'remote', endpoint: remote.scorer.endpoint.inferUrl, protocol: remote.scorer.endpoint.protocol } },
    start: async () => undefined,
    stop: () => remote.release(),
  };
}

/** What main.ts logs at start about a remote model. */
export function describeRemote(remote: RemoteScoringModel): Record<string, unknown> {
  const s = remote.scorer;
  return {
    endpoint: s.endpoint.inferUrl,
    protocol: s.endpoint.protocol,
    metadataFrom: remote.metadataSource,
    concurrency: s.concurrency,
    batchRows: s.batchRows,
    timeoutMs: s.timeoutMs,
    maxRetries: s.maxRetries,
    deadlineMs: s.deadlineMs,
  };
}
