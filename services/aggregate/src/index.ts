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
