export {
  buildTopology,
  WINDOWS_STORE,
  DEFAULT_AGGREGATE_TOPICS,
  DEFAULT_WINDOW_MS,
  DEFAULT_GRACE_MS,
  type AggregateTopics,
  type AggregateSerdes,
  type AggregateTopologyOptions,
} from './topology.js';
export { addReading, emptyWindowState, toWindowAggregate, doorOpenSeconds, type WindowState, type MeasureState } from './window-state.js';
export { KeyMismatchError, MissingReadingError } from './errors.js';
export { loadConfig, aggregateEnv, type AggregateConfig } from './config.js';
export { avroAggregateSerdes, type AvroAggregateSerdes } from './serdes.js';
export { parseLookbackFeatures, splitFeatureItems, parseRange, longestRange, LOOKBACK_FEATURES_EXPECTED, type LookbackFeature, type LookbackFunction } from './lookback/features.js';
export { checkInputFields, checkOutputSchema, type LookbackSchemaCheck } from './lookback/schema-check.js';
export { step, isLate, remap, columnsOf, haversineKm, type LookbackState, type LookbackStep, type StoredEvent, type FieldValue, type FeatureValues } from './lookback/state.js';
export {
  buildLookbackTopology,
  LOOKBACK_STORE,
  DEFAULT_LOOKBACK_GRACE_MS,
  LateEventError,
  EventTimeError,
  type LookbackTopologyOptions,
  type GenericRecord,
} from './lookback/topology.js';
export { prepareLookback, type PreparedLookback } from './lookback/start.js';
