/** Loads a model and reconciles it with the configured features: everything the topology needs from the model, checked at start. */
import { WindowAggregateSchema } from '@tributary/schemas';
import type { FeatureExtractor } from './features/feature-spec.js';
import { featuresForModel } from './features/model-features.js';
import { numericPaths } from './features/numeric-paths.js';
import { OnnxScorer } from './model/onnx-scorer.js';

export interface ScoringModelOptions {
  readonly modelPath: string;
  /** Default: `model.json` next to the model. */
  readonly metadataPath?: string | undefined;
  /** FEATURES items; undefined: the model's own featureExpressions. */
  readonly features?: readonly string[] | undefined;
  /** FEATURE_NULL_VALUE (default 0). */
  readonly nullValue?: number;
}

export interface ScoringModel {
  readonly scorer: OnnxScorer;
  /** The features in the model's input order. */
  readonly features: FeatureExtractor;
}

/** Fails with a ModelError (file, sidecar, graph) or a ConfigError (FEATURES against the model or the WindowAggregate schema). */
export async function loadScoringModel(options: ScoringModelOptions): Promise<ScoringModel> {
  const scorer = await (options.metadataPath === undefined ? OnnxScorer.load(options.modelPath) : OnnxScorer.load(options.modelPath, options.metadataPath));
  try {
    const features = featuresForModel(scorer.metadata, {
      items: options.features,
      nullValue: options.nullValue ?? 0,
      numericPaths: numericPaths(WindowAggregateSchema.schema),
    });
    return { scorer, features };
  } catch (error) {
    await scorer.release();
    throw error;
  }
}
