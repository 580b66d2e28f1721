/**
 * Rows every StreamsApp operator (enrich, aggregate, score) shares: the
 * runtime's standard metrics (libs/service/src/metrics/streams-metrics.ts),
 * filtered to one service.
 */
import { q, stat, timeseries, type Panel, type Row } from '../model.js';
import { quantile, sel, service, sumRate } from '../promql.js';

/** Records in and out per topic, consumer lag, DLQ: one operator's throughput row. */
export function throughputRow(name: string, extra: readonly Panel[] = []): Row {
  const s = service(name);
  return {
    title: 'Throughput and lag',
    panels: [
      timeseries('Records consumed /s by topic', [q(sumRate('tributary_records_consumed_total', ['topic'], s), '{{topic}}')], { unit: 'rps' }),
      timeseries('Records produced /s by topic', [q(sumRate('tributary_records_produced_total', ['topic'], s), '{{topic}}')], {
        unit: 'rps',
        description: 'Counted when the transaction that wrote them commits.',
      }),
      timeseries('Consumer lag by topic', [q(`sum by (topic) (${sel('tributary_consumer_lag', s)})`, '{{topic}}')], {
        unit: 'short',
        description: 'High watermark minus the next offset, after the last fetched batch, summed over partitions.',
      }),
      timeseries('Dead-lettered records /s by source topic', [q(sumRate('tributary_records_dead_lettered_total', ['topic'], s), '{{topic}}')], { unit: 'rps' }),
      ...extra,
    ],
  };
}

/** Commits, aborts, batch and commit latency, tasks and failures, lifecycle state. */
export function runtimeRow(name: string): Row {
  const s = service(name);
  return {
    title: 'Runtime',
    panels: [
      timeseries(
        'Commits and aborts /s',
        [q(sumRate('tributary_commits_total', [], s), 'commits'), q(sumRate('tributary_aborts_total', ['reason'], s), 'abort: {{reason}}')],
        { unit: 'ops' },
      ),
      timeseries(
        'Batch processing time',
        [q(quantile(0.5, 'tributary_batch_processing_seconds', [], s), 'p50'), q(quantile(0.99, 'tributary_batch_processing_seconds', [], s), 'p99')],
        { unit: 's' },
      ),
      timeseries('Commit time', [q(quantile(0.5, 'tributary_commit_seconds', [], s), 'p50'), q(quantile(0.99, 'tributary_commit_seconds', [], s), 'p99')], {
        unit: 's',
        description: 'Transaction commit: outputs, changelog, offsets.',
      }),
      timeseries('Per-record processing time p99', [q(quantile(0.99, 'tributary_record_processing_seconds', [], s), 'p99')], { unit: 's' }),
      timeseries('Tasks assigned', [q(`sum(${sel('tributary_tasks', s)})`, 'tasks')], { unit: 'short', min: 0 }),
      timeseries('Task failures /s', [q(sumRate('tributary_task_failures_total', [], s), 'failures')], { unit: 'ops' }),
      stat('State', [q(`count by (state) (${sel('tributary_state', s)} == 1)`, '{{state}}')], {
        description: 'Lifecycle state, with the number of instances in it.',
        textMode: 'value_and_name',
        width: 8,
      }),
    ],
  };
}

/** State store entries and changelog restore progress per store. */
export function storeRow(name: string): Row {
  const s = service(name);
  return {
    title: 'State stores',
    panels: [
      timeseries('State store entries by store', [q(`sum by (store) (${sel('tributary_state_store_entries', s)})`, '{{store}}')], {
        unit: 'short',
        description: 'Committed entries summed over instances (a global table counts once per instance; window stores are approximate).',
      }),
      timeseries(
        'Restore progress by store',
        [
          q(`sum by (store) (${sel('tributary_restore_records', s)})`, 'restored: {{store}}'),
          q(`sum by (store) (${sel('tributary_restore_total_records', s)})`, 'to restore: {{store}}'),
        ],
        { unit: 'short', description: 'Changelog records restored so far and the records to restore; equal when done.' },
      ),
      timeseries('Restore time p99', [q(quantile(0.99, 'tributary_restore_seconds', [], s), 'p99')], { unit: 's' }),
    ],
  };
}
