import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StreamsInstrumentation } from '@tributary/streams';
import type { SinkInstrumentation } from './instrumentation.js';

/**
 * The sink's Prometheus metrics (`tributary_sink_*`), also fed to the
 * standard operator metrics (`standard`, e.g. the service shell's
 * `ctx.instrumentation`): records consumed, dead letters, lag, commits.
 */
export function sinkMetrics(registry: Registry, standard: StreamsInstrumentation = {}): SinkInstrumentation {
  const registers = [registry];
  const rows = new Counter({ name: 'tributary_sink_rows_written_total', help: 'Rows inserted or updated by committed transactions.', labelNames: ['table'], registers });
  const transactions = new Counter({
    name: 'tributary_sink_transactions_total',
    help: 'Batch transactions, by outcome: committed, fenced (another writer had moved the offset) or failed.',
    labelNames: ['outcome'],
    registers,
  });
  const seconds = new Histogram({
    name: 'tributary_sink_transaction_seconds',
    help: 'Time of one batch transaction (lock offset, upsert, dead letters, offset, commit).',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers,
  });
  const lag = new Gauge({ name: 'tributary_sink_consumer_lag', help: 'High watermark minus the stored next offset, per partition.', labelNames: ['topic', 'partition'], registers });
  const dlq = new Counter({ name: 'tributary_sink_dlq_records_total', help: 'Records sent to the dead-letter topic, by source topic.', labelNames: ['topic'], registers });
  const nulls = new Counter({ name: 'tributary_sink_null_values_total', help: 'Records with a null value, skipped.', labelNames: ['topic'], registers });
  const lost = new Counter({
    name: 'tributary_sink_records_lost_total',
    help: 'Records deleted by retention before the sink wrote them.',
    labelNames: ['topic', 'partition'],
    registers,
  });
  const groupCommitFailures = new Counter({
    name: 'tributary_sink_group_commit_failures_total',
    help: 'Informational commits of the stored offsets to the Kafka consumer group that failed (PostgreSQL stays the truth; the next batch commits again).',
    registers,
  });
  const assigned = new Gauge({ name: 'tributary_sink_partitions_assigned', help: 'Partitions assigned to this instance.', registers });
  for (const outcome of ['committed', 'fenced', 'failed']) transactions.inc({ outcome }, 0);

  return {
    recordsConsumed: (topic, partition, count) => standard.recordsConsumed?.(topic, partition, count),
    rowsWritten: (table, count) => rows.inc({ table }, count),
    transaction: (outcome, s) => {
      transactions.inc({ outcome });
      seconds.observe(s);
      if (outcome === 'committed') standard.committed?.('sink', s, 0);
      else standard.aborted?.('sink', outcome === 'fenced' ? 'fenced' : 'error');
    },
    deadLettered: (topic, count) => {
      dlq.inc({ topic }, count);
      standard.recordsDeadLettered?.(topic, count);
    },
    nullValues: (topic, count) => nulls.inc({ topic }, count),
    recordsLost: (topic, partition, count) => lost.inc({ topic, partition: String(partition) }, count),
    lag: (topic, partition, value) => {
      // A partition in use exports its per-topic counters from 0: a series born at its first event is invisible to rate().
      lost.inc({ topic, partition: String(partition) }, 0);
      dlq.inc({ topic }, 0);
      nulls.inc({ topic }, 0);
      lag.set({ topic, partition: String(partition) }, value);
      standard.lag?.(topic, partition, value);
    },
    partitionRevoked: (topic, partition) => lag.remove({ topic, partition: String(partition) }),
    partitionsAssigned: (count) => assigned.set(count),
    groupCommitFailed: () => groupCommitFailures.inc(),
  };
}
