/** The sink: Kafka topics into PostgreSQL tables, exactly once. */
import { q, stat, timeseries, type DashboardSpec } from '../model.js';
import { quantile, sel, service, sumRate } from '../promql.js';

const S = service('sink');

/** The sink dashboard (services/sink/src/metrics.ts). */
export function sinkDashboard(): DashboardSpec {
  return {
    name: 'sink',
    title: 'Tributary / Sink',
    description: 'Kafka → PostgreSQL: rows per table, batch transactions, lag, dead letters.',
    rows: [
      {
        title: 'Overview',
        panels: [
          stat('Rows written /s', [q(sumRate('tributary_sink_rows_written_total', [], S), 'rows')], { unit: 'rps' }),
          stat('Sink lag', [q(`sum(${sel('tributary_sink_consumer_lag', S)})`, 'lag')], {
            unit: 'short',
            thresholds: [
              { value: 1000, color: 'orange' },
              { value: 10000, color: 'red' },
            ],
          }),
          stat('Transaction time p99', [q(quantile(0.99, 'tributary_sink_transaction_seconds', [], S), 'p99')], { unit: 's' }),
          stat('Failed or fenced transactions /s', [q(sumRate('tributary_sink_transactions_total', [], `${S},outcome!="committed"`), 'not committed')], {
            unit: 'ops',
            thresholds: [{ value: 0.001, color: 'orange' }],
          }),
          stat('Partitions assigned', [q(`sum(${sel('tributary_sink_partitions_assigned', S)})`, 'partitions')], { unit: 'short' }),
          stat('Records lost to retention', [q(`sum(${sel('tributary_sink_records_lost_total', S)}) or vector(0)`, 'lost')], {
            unit: 'short',
            description: 'Records deleted by retention before the sink wrote them (since the instances started).',
            thresholds: [{ value: 1, color: 'red' }],
          }),
        ],
      },
      {
        title: 'Rows and transactions',
        panels: [
          timeseries('Rows written /s by table', [q(sumRate('tributary_sink_rows_written_total', ['table'], S), '{{table}}')], { unit: 'rps', stack: true }),
          timeseries('Transactions /s by outcome', [q(sumRate('tributary_sink_transactions_total', ['outcome'], S), '{{outcome}}')], {
            unit: 'ops',
            description: 'committed; fenced: another writer had moved the offset; failed.',
          }),
          timeseries(
            'Transaction time',
            [
              q(quantile(0.5, 'tributary_sink_transaction_seconds', [], S), 'p50'),
              q(quantile(0.9, 'tributary_sink_transaction_seconds', [], S), 'p90'),
              q(quantile(0.99, 'tributary_sink_transaction_seconds', [], S), 'p99'),
            ],
            { unit: 's', description: 'One batch transaction: lock offset, upsert, dead letters, offset, commit.' },
          ),
          timeseries('Records consumed /s by topic', [q(sumRate('tributary_records_consumed_total', ['topic'], S), '{{topic}}')], { unit: 'rps' }),
        ],
      },
      {
        title: 'Lag and assignment',
        panels: [
          timeseries('Sink lag by topic', [q(`sum by (topic) (${sel('tributary_sink_consumer_lag', S)})`, '{{topic}}')], {
            unit: 'short',
            description: 'High watermark minus the next offset stored in the database, summed over partitions.',
          }),
          timeseries('Sink lag by partition', [q(`max by (topic, partition) (${sel('tributary_sink_consumer_lag', S)})`, '{{topic}}[{{partition}}]')], { unit: 'short' }),
          timeseries('Partitions assigned', [q(`sum(${sel('tributary_sink_partitions_assigned', S)})`, 'partitions')], { unit: 'short', min: 0 }),
        ],
      },
      {
        title: 'Skipped records',
        panels: [
          timeseries('Dead letters /s by source topic', [q(sumRate('tributary_sink_dlq_records_total', ['topic'], S), '{{topic}}')], { unit: 'rps' }),
          timeseries('Null values skipped /s by topic', [q(sumRate('tributary_sink_null_values_total', ['topic'], S), '{{topic}}')], { unit: 'rps' }),
          timeseries('Records lost to retention /s', [q(sumRate('tributary_sink_records_lost_total', ['topic', 'partition'], S), '{{topic}}[{{partition}}]')], { unit: 'rps' }),
        ],
      },
    ],
  };
}
