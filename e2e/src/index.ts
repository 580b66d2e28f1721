export { simulateFleet, failsWithin, hasFailed, toJson, type FleetOptions, type PostItem, type SimulatedContainer, type SimulatedFleet, type SensorReadingJson } from './simulator/index.js';
export { expectedWindows, OracleError, type ExpectedWindows } from './oracle/index.js';
export { LocalPipeline, OPERATORS, type OperatorName, type LocalPipelineOptions, type PipelineEndpoints } from './pipeline/local-pipeline.js';
export { IngestClient, type IngestClientOptions, type PostResult } from './pipeline/ingest-client.js';
export { feed, type FeedOptions, type FeedStats } from './pipeline/feeder.js';
export { PIPELINE_TOPICS, pipelineTopicConfigs, createPipelineTopics, registerPipelineSchemas } from './pipeline/topics.js';
export { publishReferences } from './pipeline/reference-publisher.js';
export { parseMetrics, sumOf, scrape, type Sample } from './pipeline/metrics.js';
