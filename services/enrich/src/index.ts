export {
  buildTopology,
  CONTAINERS_STORE,
  DEFAULT_ENRICH_TOPICS,
  type EnrichTopics,
  type EnrichSerdes,
  type EnrichTopologyOptions,
  type UnmatchedPolicy,
} from './topology.js';
export { enrichReading } from './enriched-reading.js';
export { UnmatchedReadingError, MissingReadingError } from './errors.js';
export { loadConfig, enrichEnv, type EnrichConfig } from './config.js';
export { avroEnrichSerdes, type AvroEnrichSerdes } from './serdes.js';
