/** The whole pipeline on one page: throughput per stage, lag, latency, errors, recovery. */
import { q, stat, timeseries, type DashboardSpec } from '../model.js';
import { quantile, sel, service, sumRate } from '../promql.js';

const OPERATORS = 'service=~"enrich|aggregate|score|sink"';
const STREAMS_APPS = 'service=~"enrich|aggregate|score"';

/** The pipeline overview dashboard. */
export function pipelineDashboard(): DashboardSpec {
  return {
    name: 'pipeline',
    title: 'Tributary / Pipeline overview',
    description: 'Cold-chain pipeline: ingest → enrich → aggregate → score → sink, per stage.',
    rows: [
      {
        title: 'Health',
        panels: [
          stat('Ingest accepted /s', [q(sumRate('tributary_ingest_records_total', [], `${service('ingest')},outcome="accepted"`), 'accepted')], { unit: 'rps' }),
          stat('Sink rows written /s', [q(sumRate('tributary_sink_rows_written_total', [], service('sink')), 'rows')], { unit: 'rps' }),
          stat('Alerts /s', [q(sumRate('tributary_score_alerts_total', [], service('score')), 'alerts')], { unit: 'rps' }),
          stat('Max consumer-group lag', [q('max(sum by (group) (tributary_group_lag))', 'lag')], {
            unit: 'short',
            thresholds: [
              { value: 1000, color: 'orange' },
              { value: 10000, color: 'red' },
            ],
          }),
          stat('Dead letters /s', [q(`(${sumRate('tributary_records_dead_lettered_total', [])} or vector(0)) + (${sumRate('tributary_ingest_dead_letters_total', [])} or vector(0))`, 'dead letters')], {
            unit: 'rps',
            description: 'Operators\' dead-lettered records plus ingest\'s refused records written to its dead-letter topic.',
            thresholds: [{ value: 0.001, color: 'orange' }],
          }),
          stat('Groups with no members', [q('count(tributary_group_members == 0) or vector(0)', 'groups')], {
            description: 'Consumer groups the lag exporter sees with nobody consuming.',
            thresholds: [{ value: 1, color: 'red' }],
          }),
          stat('State by service', [q(`count by (service, state) (${sel('tributary_state', STREAMS_APPS)} == 1)`, '{{service}}: {{state}}')], {
            description: 'Lifecycle state of the StreamsApp operators, with the number of instances in it.',
            textMode: 'value_and_name',
            width: 24,
          }),
        ],
      },
      {
        title: 'Records per second by stage',
        panels: [
          timeseries(
            'Ingest records /s by outcome',
            [q(sumRate('tributary_ingest_records_total', ['outcome'], service('ingest')), '{{outcome}}')],
            { unit: 'rps', description: 'accepted: acknowledged by Kafka; rejected: refused with their request.' },
          ),
          timeseries('Consumed /s by service and topic', [q(sumRate('tributary_records_consumed_total', ['service', 'topic'], OPERATORS), '{{service}} ← {{topic}}')], {
            unit: 'rps',
          }),
          timeseries('Produced /s by service and topic', [q(sumRate('tributary_records_produced_total', ['service', 'topic'], STREAMS_APPS), '{{service}} → {{topic}}')], {
            unit: 'rps',
            description: 'Counted when the transaction that wrote them commits.',
          }),
          timeseries('Sink rows written /s by table', [q(sumRate('tributary_sink_rows_written_total', ['table'], service('sink')), '{{table}}')], { unit: 'rps' }),
        ],
      },
      {
        title: 'Lag',
        panels: [
          timeseries('Consumer lag by operator (operators\' view)', [q(`sum by (service, topic) (${sel('tributary_consumer_lag', OPERATORS)})`, '{{service}} ← {{topic}}')], {
            unit: 'short',
            width: 12,
            description: 'Each operator\'s own lag after its last fetch; stops updating when the operator stops.',
          }),
          timeseries('Consumer-group lag (broker\'s view)', [q('sum by (group, topic) (tributary_group_lag)', '{{group}} ← {{topic}}')], {
            unit: 'short',
            width: 12,
            description: 'From the lag exporter: high watermark minus committed offset. Keeps growing when nobody consumes.',
          }),
        ],
      },
      {
        title: 'Latency',
        panels: [
          timeseries(
            'Event-time delay by store',
            [q(`max by (service, store) (${sel('tributary_watermark_delay_seconds')})`, '{{service}} {{store}}')],
            { unit: 's', description: 'Wall clock minus the stream time of each window store: how far event-time processing trails real time (the end-to-end delay up to the windows).' },
          ),
          timeseries(
            'Ingest request time',
            [
              q(quantile(0.5, 'tributary_ingest_request_seconds', [], service('ingest')), 'p50'),
              q(quantile(0.99, 'tributary_ingest_request_seconds', [], service('ingest')), 'p99'),
            ],
            { unit: 's' },
          ),
          timeseries(
            'Batch processing time by service',
            [
              q(quantile(0.5, 'tributary_batch_processing_seconds', ['service'], STREAMS_APPS), 'p50 {{service}}'),
              q(quantile(0.99, 'tributary_batch_processing_seconds', ['service'], STREAMS_APPS), 'p99 {{service}}'),
            ],
            { unit: 's' },
          ),
          timeseries(
            'Commit time by service',
            [
              q(quantile(0.5, 'tributary_commit_seconds', ['service'], OPERATORS), 'p50 {{service}}'),
              q(quantile(0.99, 'tributary_commit_seconds', ['service'], OPERATORS), 'p99 {{service}}'),
            ],
            { unit: 's', description: 'Kafka transaction commit (enrich, aggregate, score) and the sink\'s database transaction.' },
          ),
          timeseries(
            'Sink transaction time',
            [
              q(quantile(0.5, 'tributary_sink_transaction_seconds', [], service('sink')), 'p50'),
              q(quantile(0.99, 'tributary_sink_transaction_seconds', [], service('sink')), 'p99'),
            ],
            { unit: 's' },
          ),
        ],
      },
      {
        title: 'Errors and recovery',
        panels: [
          timeseries(
            'Dead letters /s',
            [
              q(sumRate('tributary_records_dead_lettered_total', ['service', 'topic']), '{{service}} ← {{topic}}'),
              q(sumRate('tributary_ingest_dead_letters_total', ['code'], service('ingest')), 'ingest {{code}}'),
            ],
            { unit: 'rps' },
          ),
          timeseries('Late records /s', [q(sumRate('tributary_records_late_total', ['service', 'store', 'dropped']), '{{service}} {{store}} dropped={{dropped}}')], {
            unit: 'rps',
            description: 'Records that arrived after their windows closed; dropped=false: written to the late topic.',
          }),
          timeseries(
            'Commits and aborts /s',
            [
              q(sumRate('tributary_commits_total', ['service'], OPERATORS), 'commits {{service}}'),
              q(sumRate('tributary_aborts_total', ['service', 'reason'], OPERATORS), 'abort {{service}}: {{reason}}'),
            ],
            { unit: 'ops' },
          ),
          timeseries(
            'Restore progress by store',
            [
              q(`sum by (service, store) (${sel('tributary_restore_records', STREAMS_APPS)})`, 'restored {{service}} {{store}}'),
              q(`sum by (service, store) (${sel('tributary_restore_total_records', STREAMS_APPS)})`, 'to restore {{service}} {{store}}'),
            ],
            { unit: 'short', description: 'Changelog records restored so far and to restore; equal when done.' },
          ),
          timeseries('Task failures /s', [q(sumRate('tributary_task_failures_total', ['service'], STREAMS_APPS), '{{service}}')], { unit: 'ops' }),
          timeseries('Lag exporter poll errors /s', [q(sumRate('tributary_group_lag_poll_errors_total', [], service('lag-exporter')), 'errors')], {
            unit: 'ops',
            description: 'Failed polls keep the previous lag values exported: lag panels may be stale while this is above zero.',
          }),
        ],
      },
    ],
  };
}
