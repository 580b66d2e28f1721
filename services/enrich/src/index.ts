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
export { UnmatchedReadingError, MissingReadingError, UnmatchedReferenceError } from './errors.js';
export { loadConfig, enrichEnv, type EnrichConfig } from './config.js';
export { avroEnrichSerdes, type AvroEnrichSerdes } from './serdes.js';
export { parseJoinFields, JOIN_FIELDS_EXPECTED, type JoinField } from './join/fields.js';
export { checkJoinSchemas, MATCHED_FIELD, type JoinSchemaCheck } from './join/schema-check.js';
export { buildJoinTopology, joinRecord, REFERENCE_STORE, type GenericRecord, type JoinTopologyOptions } from './join/topology.js';
export { prepareJoin, type PreparedJoin, type PrepareJoinOptions } from './join/start.js';
