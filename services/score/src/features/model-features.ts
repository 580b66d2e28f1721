/** Reconciles the configured FEATURES with the model's own feature list. */
import { ConfigError } from '@tributary/streams';
import { defaultFeatureItems, type ModelMetadata } from '../model/model-metadata.js';
import { checkFeaturePaths, FeatureExtractor, parseFeatures, type FeatureSpec } from './feature-spec.js';

export interface ModelFeatureOptions {
  /** FEATURES items (`name=expr`); undefined: the model's own `featureExpressions`. */
  readonly items: readonly string[] | undefined;
  /** FEATURE_NULL_VALUE. */
  readonly nullValue: number;
  /** Numeric paths of the input record (see `numericPaths`). */
  readonly numericPaths: ReadonlySet<string>;
}

/**
 * The feature extractor for a model: FEATURES must name exactly the model's
 * features (in any order; the model's order is used), else a ConfigError
 * names both lists. Without FEATURES the model's `featureExpressions` apply.
 */
export function featuresForModel(metadata: ModelMetadata, options: ModelFeatureOptions): FeatureExtractor {
  const model = `${metadata.name} ${metadata.version}`;
  const items = options.items ?? defaultFeatureItems(metadata);
  if (items === undefined) {
    throw new ConfigError(`FEATURES is not set and model ${model} declares no featureExpressions in its model.json: set FEATURES for features ${metadata.features.join(', ')}`);
  }
  const specs = parseFeatures(items, options.items === undefined ? `model.json featureExpressions of ${model}` : 'FEATURES');
  checkFeaturePaths(specs, options.numericPaths);
  const configured = specs.map((s) => s.name);
  const missing = metadata.features.filter((f) => !configured.includes(f));
  const extra = configured.filter((f) => !metadata.features.includes(f));
  if (missing.length > 0 || extra.length > 0) {
    throw new ConfigError(
      `FEATURES does not match model ${model}: FEATURES names [${configured.join(', ')}], the model takes [${metadata.features.join(', ')}]` +
        (missing.length > 0 ? `; missing: ${missing.join(', ')}` : '') +
        (extra.length > 0 ? `; unknown to the model: ${extra.join(', ')}` : ''),
    );
  }
  const byName = new Map(specs.map((s) => [s.name, s]));
  return new FeatureExtractor(
    metadata.features.map((name) => byName.get(name) as FeatureSpec),
    options.nullValue,
  );
}
