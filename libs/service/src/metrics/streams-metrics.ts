import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StreamsInstrumentation, StreamsState } from '@tributary/streams';

const STATES: readonly StreamsState[] = ['created', 'starting', 'rebalancing', 'running', 'stopping', 'stopped', 'failed'];
/** The reasons the runtime gives to `aborted` (libs/streams StreamsApp). */
const ABORT_REASONS = ['fenced', 'revoked', 'error', 'retriable-error'] as const;

/**
 * The runtime's instrumentation hooks as Prometheus metrics (DESIGN.md,
 * "Observability"). Every operator built on a `StreamsApp` serves these;
 * labels stay bounded (topic, partition, store, task).
 */
export function streamsMetrics(registry: Registry): StreamsInstrumentation {
  const registers = [registry];
  const consumed = new Counter({ name: 'tributary_records_consumed_total', help: 'Records read from source topics.', labelNames: ['topic'], registers });
  const produced = new Counter({ name: 'tributary_records_produced_total', help: 'Records written to output topics by committed transactions.', labelNames: ['topic'], registers });
  const dlq = new Counter({ name: 'tributary_records_dead_lettered_total', help: 'Records sent to the dead-letter topic, by source topic.', labelNames: ['topic'], registers });
  const late = new Counter({ name: 'tributary_records_late_total', help: 'Records that arrived after their windows closed.', labelNames: ['topic', 'store', 'dropped'], registers });
  const batch = new Histogram({
    name: 'tributary_batch_processing_seconds',
    help: 'Time to process one fetched batch.',
    labelNames: ['task'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers,
  });
  const perRecord = new Histogram({
    name: 'tributary_record_processing_seconds',
    help: 'Mean processing time per record of each batch.',
    buckets: [0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005],
    registers,
  });
  const commit = new Histogram({
    name: 'tributary_commit_seconds',
    help: 'Transaction commit time (outputs, changelog, offsets).',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const commits = new Counter({ name: 'tributary_commits_total', help: 'Committed transactions.', registers });
  const aborts = new Counter({ name: 'tributary_aborts_total', help: 'Aborted transactions, by reason.', labelNames: ['reason'], registers });
  // Every reason exported from the start at 0: a rate over a series that appears only with the first abort reads as nothing.
  for (const reason of ABORT_REASONS) aborts.inc({ reason }, 0);
  const lag = new Gauge({ name: 'tributary_consumer_lag', help: 'High watermark minus next offset, after the last fetched batch.', labelNames: ['topic', 'partition'], registers });
  const restored = new Gauge({ name: 'tributary_restore_records', help: 'Changelog records restored so far, per store partition.', labelNames: ['store', 'partition'], registers });
  const restoreTotal = new Gauge({ name: 'tributary_restore_total_records', help: 'Changelog records to restore, per store partition.', labelNames: ['store', 'partition'], registers });
  const restoreSeconds = new Histogram({
    name: 'tributary_restore_seconds',
    help: 'Time to restore one store partition.',
    buckets: [0.01, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  });
  const tasks = new Gauge({ name: 'tributary_tasks', help: 'Tasks assigned to this instance.', registers });
  const taskFailures = new Counter({ name: 'tributary_task_failures_total', help: 'Tasks that failed (retried or dropped).', registers });
  const state = new Gauge({ name: 'tributary_state', help: '1 for the current lifecycle state of the app.', labelNames: ['state'], registers });
  for (const s of STATES) state.set({ state: s }, s === 'created' ? 1 : 0);

  return {
    recordsConsumed: (topic, _partition, count) => consumed.inc({ topic }, count),
    recordsProduced: (topic, count) => produced.inc({ topic }, count),
    recordsDeadLettered: (topic, count) => dlq.inc({ topic }, count),
    lateRecord: (topic, store, dropped) => late.inc({ topic, store, dropped: String(dropped) }),
    batchProcessed: (taskId, records, seconds) => {
      batch.observe({ task: taskId }, seconds);
      if (records > 0) perRecord.observe(seconds / records);
    },
    committed: (_taskId, seconds) => {
      commits.inc();
      commit.observe(seconds);
    },
    // Reasons are a small fixed set (fenced, revoked, error, retriable-error).
    aborted: (_taskId, reason) => aborts.inc({ reason }),
    restoreProgress: (store, partition, done, total) => {
      restored.set({ store, partition: String(partition) }, done);
      restoreTotal.set({ store, partition: String(partition) }, total);
    },
    restoreCompleted: (store, partition, records, seconds) => {
      restored.set({ store, partition: String(partition) }, records);
      restoreTotal.set({ store, partition: String(partition) }, records);
      restoreSeconds.observe(seconds);
    },
    lag: (topic, partition, value) => lag.set({ topic, partition: String(partition) }, value),
    tasksAssigned: (ids) => tasks.set(ids.length),
    taskFailed: () => taskFailures.inc(),
    stateChanged: (next) => {
      for (const s of STATES) state.set({ state: s }, s === next ? 1 : 0);
    },
  };
}

/** Calls every hook of each instrumentation in turn (metrics plus a caller's own hooks). */
export function combineInstrumentation(...parts: StreamsInstrumentation[]): StreamsInstrumentation {
  const combined: Record<string, (...args: unknown[]) => void> = {};
  for (const part of parts) {
    for (const [name, hook] of Object.entries(part) as [string, ((...args: unknown[]) => void) | undefined][]) {
      if (hook === undefined) continue;
      const previous = combined[name];
      combined[name] = previous === undefined ? hook : (...args) => (previous(...args), hook(...args));
    }
  }
  return combined;
}
