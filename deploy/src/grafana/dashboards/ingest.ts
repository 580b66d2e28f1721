/** The ingest service: HTTP requests in, producer batches out, refused records to the dead-letter topic. */
import { q, stat, timeseries, type DashboardSpec } from '../model.js';
import { mean, quantile, sel, service, sumRate } from '../promql.js';

const S = service('ingest');

/** The ingest dashboard (services/ingest/src/metrics.ts). */
export function ingestDashboard(): DashboardSpec {
  return {
    name: 'ingest',
    title: 'Tributary / Ingest',
    description: 'POST /records → Kafka: requests, records, producer batches, dead letters.',
    rows: [
      {
        title: 'Overview',
        panels: [
          stat('Requests /s', [q(sumRate('tributary_ingest_requests_total', [], S), 'requests')], { unit: 'reqps' }),
          stat('Records accepted /s', [q(sumRate('tributary_ingest_records_total', [], `${S},outcome="accepted"`), 'accepted')], { unit: 'rps' }),
          stat('Records rejected /s', [q(sumRate('tributary_ingest_records_total', [], `${S},outcome="rejected"`), 'rejected')], {
            unit: 'rps',
            thresholds: [{ value: 0.001, color: 'orange' }],
          }),
          stat(
            '5xx share',
            [q(`(${sumRate('tributary_ingest_requests_total', [], `${S},status=~"5.."`)} or vector(0)) / ${sumRate('tributary_ingest_requests_total', [], S)}`, '5xx')],
            {
              unit: 'percentunit',
              thresholds: [
                { value: 0.01, color: 'orange' },
                { value: 0.05, color: 'red' },
              ],
            },
          ),
          stat('Request time p99', [q(quantile(0.99, 'tributary_ingest_request_seconds', [], S), 'p99')], { unit: 's' }),
          stat('Buffered records', [q(`sum(${sel('tributary_ingest_buffered_records', S)})`, 'buffered')], {
            unit: 'short',
            description: 'Accepted into the produce buffer, not yet acknowledged by Kafka.',
          }),
        ],
      },
      {
        title: 'Requests and records',
        panels: [
          timeseries('Requests /s by status', [q(sumRate('tributary_ingest_requests_total', ['status'], S), '{{status}}')], { unit: 'reqps', stack: true }),
          timeseries('Records /s by outcome', [q(sumRate('tributary_ingest_records_total', ['outcome'], S), '{{outcome}}')], {
            unit: 'rps',
            stack: true,
            description: 'accepted: acknowledged by Kafka; rejected: refused with their request (invalid, buffer full, broker unavailable).',
          }),
          timeseries(
            'Request time',
            [
              q(quantile(0.5, 'tributary_ingest_request_seconds', [], S), 'p50'),
              q(quantile(0.9, 'tributary_ingest_request_seconds', [], S), 'p90'),
              q(quantile(0.99, 'tributary_ingest_request_seconds', [], S), 'p99'),
            ],
            { unit: 's', description: 'From the first byte of POST /records to the answer.' },
          ),
        ],
      },
      {
        title: 'Producer batches',
        panels: [
          timeseries(
            'Records per producer send',
            [
              q(quantile(0.5, 'tributary_ingest_batch_records', [], S), 'p50'),
              q(quantile(0.99, 'tributary_ingest_batch_records', [], S), 'p99'),
              q(mean('tributary_ingest_batch_records', [], S), 'mean'),
            ],
            { unit: 'short' },
          ),
          timeseries(
            'Broker acknowledgement time',
            [q(quantile(0.5, 'tributary_ingest_batch_seconds', [], S), 'p50'), q(quantile(0.99, 'tributary_ingest_batch_seconds', [], S), 'p99')],
            { unit: 's', description: 'Time Kafka took to acknowledge one producer send (acks=all).' },
          ),
          timeseries('Buffered records', [q(`sum(${sel('tributary_ingest_buffered_records', S)})`, 'buffered')], { unit: 'short' }),
        ],
      },
      {
        title: 'Dead letters',
        panels: [
          timeseries('Dead letters /s by code', [q(sumRate('tributary_ingest_dead_letters_total', ['code'], S), '{{code}}')], {
            unit: 'rps',
            width: 12,
            description: 'Records refused for their content and written to the dead-letter topic.',
          }),
          timeseries('Dead-letter write failures /s by code', [q(sumRate('tributary_ingest_dead_letter_failures_total', ['code'], S), '{{code}}')], {
            unit: 'rps',
            width: 12,
            description: 'Refused records that could not be written to the dead-letter topic (the request was refused all the same).',
          }),
        ],
      },
    ],
  };
}
