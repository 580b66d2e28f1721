/**
 * Runs an ONNX model with onnxruntime-node, a whole batch of feature rows
 * as one [N, F] tensor: one call per batch, not per record (measured here:
 * ~77k single-row calls/s against ~100M rows/s batched).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { InferenceError, ModelError } from '../errors.js';
import { parseModelMetadata, type ModelMetadata } from './model-metadata.js';
import { inspectOnnx } from './onnx-inspect.js';

/** What a batch scorer returns: one risk per row and, when the model explains itself, F contributions per row (row-major). */
export interface BatchScores {
  readonly risk: Float32Array;
  readonly contributions: Float32Array | undefined;
}

/**
 * The narrow interface the score processor depends on: a model that scores
 * `count` rows of `metadata.features.length` float32 values at once.
 */
export interface BatchScorer {
  readonly metadata: ModelMetadata;
  score(rows: Float32Array, count: number): Promise<BatchScores>;
  release(): Promise<void>;
}

/** The sidecar path for a model file: `model.json` in the same folder. */
export function metadataPathFor(modelPath: string): string {
  return join(dirname(modelPath), 'model.json');
}

/** A model loaded into onnxruntime-node, checked against its model.json. */
export class OnnxScorer implements BatchScorer {
  readonly metadata: ModelMetadata;
  readonly #session: InferenceSession;

  private constructor(session: InferenceSession, metadata: ModelMetadata) {
    this.#session = session;
    this.metadata = metadata;
  }

  /** Loads `modelPath` and its sidecar (default: `model.json` next to it). */
  static async load(modelPath: string, metadataPath = metadataPathFor(modelPath)): Promise<OnnxScorer> {
    const read = async (path: string, what: string): Promise<Buffer> => {
      try {
        return await readFile(path);
      } catch (error) {
        throw new ModelError(`cannot read the ${what} ${path}: ${(error as Error).message}`, error);
      }
    };
    const bytes = await read(modelPath, 'model file');
    const text = (await read(metadataPath, 'model sidecar')).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ModelError(`${metadataPath} is not valid JSON: ${(error as Error).message}`, error);
    }
    return await OnnxScorer.fromBytes(bytes, parseModelMetadata(json, metadataPath), modelPath);
  }

  /**
   * Checks the graph against the metadata (input and output names, input
   * width, metadata_props name and version when the file carries them),
   * then creates the session.
   */
  static async fromBytes(bytes: Uint8Array, metadata: ModelMetadata, source = 'model'): Promise<OnnxScorer> {
    let description;
    try {
      description = inspectOnnx(bytes);
    } catch (error) {
      throw new ModelError(`${source} is not an ONNX model: ${(error as Error).message}`, error);
    }
    const fail = (what: string): never => {
      throw new ModelError(`${source} (${metadata.name} ${metadata.version}): ${what}`);
    };
    for (const key of ['name', 'version'] as const) {
      const inFile = description.metadata[key];
      if (inFile !== undefined && inFile !== metadata[key]) fail(`the ONNX metadata says ${key} "${inFile}", model.json says "${metadata[key]}"`);
    }
    const input = description.inputs.find((i) => i.name === metadata.inputName);
    if (input === undefined) fail(`no graph input "${metadata.inputName}" (inputs: ${description.inputs.map((i) => i.name).join(', ')})`);
    const width = input?.dims[1];
    if (input?.dims.length !== 2 || (typeof width === 'number' && width !== metadata.features.length)) {
      fail(`input "${metadata.inputName}" has shape [${input?.dims.join(', ')}]; expected [N, ${metadata.features.length}] for features ${metadata.features.join(', ')}`);
    }
    const outputs = description.outputs.map((o) => o.name);
    for (const name of [metadata.outputName, metadata.contributionsName]) {
      if (name !== undefined && !outputs.includes(name)) fail(`no graph output "${name}" (outputs: ${outputs.join(', ')})`);
    }
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(bytes);
    } catch (error) {
      throw new ModelError(`onnxruntime cannot load ${source}: ${(error as Error).message}`, error);
    }
    return new OnnxScorer(session, metadata);
  }

  async score(rows: Float32Array, count: number): Promise<BatchScores> {
    const width = this.metadata.features.length;
    if (rows.length !== count * width) throw new RangeError(`${rows.length} values are not ${count} rows of ${width} features`);
    const { inputName, outputName, contributionsName } = this.metadata;
    const fetches = contributionsName === undefined ? [outputName] : [outputName, contributionsName];
    let out: InferenceSession.OnnxValueMapType;
    try {
      out = await this.#session.run({ [inputName]: new Tensor('float32', rows, [count, width]) }, fetches);
    } catch (error) {
      throw new InferenceError(`model ${this.metadata.name} ${this.metadata.version} failed on a batch of ${count} rows: ${(error as Error).message}`, error);
    }
    const risk = out[outputName]?.data;
    if (!(risk instanceof Float32Array) || risk.length !== count) {
      throw new InferenceError(`model ${this.metadata.name} output "${outputName}" is not ${count} float32 values`);
    }
    const contributions = contributionsName === undefined ? undefined : out[contributionsName]?.data;
    if (contributions !== undefined && (!(contributions instanceof Float32Array) || contributions.length !== count * width)) {
      throw new InferenceError(`model ${this.metadata.name} output "${contributionsName}" is not ${count}×${width} float32 values`);
    }
    return { risk, contributions };
  }

  async release(): Promise<void> {
    await this.#session.release();
  }
}
