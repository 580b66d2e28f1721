/** Every dashboard of the set, in the order they are linked. */
import type { DashboardSpec } from '../model.js';
import { aggregateDashboard } from './aggregate.js';
import { enrichDashboard } from './enrich.js';
import { ingestDashboard } from './ingest.js';
import { pipelineDashboard } from './pipeline.js';
import { scoreDashboard } from './score.js';
import { sinkDashboard } from './sink.js';

/** The pipeline overview first, then the operators in pipeline order. */
export function dashboardSpecs(): DashboardSpec[] {
  return [pipelineDashboard(), ingestDashboard(), enrichDashboard(), aggregateDashboard(), scoreDashboard(), sinkDashboard()];
}
