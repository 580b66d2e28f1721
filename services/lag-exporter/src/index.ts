export { GroupLagPoller, type GroupLagPollerOptions, type GroupLag, type PartitionLag, type LagLog } from './poller.js';
export { lagExporterEnv, loadConfig, type LagExporterConfig } from './config.js';
