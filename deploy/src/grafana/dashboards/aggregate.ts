/** The aggregate operator: 1-minute event-time windows per container. */
import { q, stat, timeseries, type DashboardSpec } from '../model.js';
import { sel, service, sumRate } from '../promql.js';
import { runtimeRow, storeRow, throughputRow } from './runtime.js';

const S = service('aggregate');

/** The aggregate dashboard (windows, late records, watermarks, stores; services/aggregate/README.md). */
export function aggregateDashboard(): DashboardSpec {
  return {
    name: 'aggregate',
    title: 'Tributary / Aggregate',
    description: 'Readings → 1-minute window aggregates per container, by event time.',
    rows: [
      {
        title: 'Windows',
        panels: [
          stat('Windows produced /s', [q(sumRate('tributary_records_produced_total', [], S), 'windows')], { unit: 'rps' }),
          stat('Late records /s', [q(`${sumRate('tributary_records_late_total', [], S)} or vector(0)`, 'late')], {
            unit: 'rps',
            thresholds: [{ value: 0.001, color: 'orange' }],
          }),
          stat('Max event-time delay', [q(`max(${sel('tributary_watermark_delay_seconds', S)})`, 'delay')], {
            unit: 's',
            thresholds: [
              { value: 120, color: 'orange' },
              { value: 600, color: 'red' },
            ],
          }),
          stat('Open windows', [q(`sum(${sel('tributary_state_store_entries', S)})`, 'entries')], { unit: 'short' }),
          timeseries('Windows produced /s by topic', [q(sumRate('tributary_records_produced_total', ['topic'], S), '{{topic}}')], {
            unit: 'rps',
            description: 'Closed windows written by committed transactions.',
          }),
          timeseries('Late records /s by store', [q(sumRate('tributary_records_late_total', ['store', 'dropped'], S), '{{store}} dropped={{dropped}}')], {
            unit: 'rps',
            description: 'Arrived after every window they belong to had closed; dropped=false: written to the late topic.',
          }),
        ],
      },
      {
        title: 'Event time',
        panels: [
          timeseries('Watermark (stream time) by partition', [q(`max by (store, partition) (${sel('tributary_watermark_timestamp_seconds', S)}) * 1000`, '{{store}}[{{partition}}]')], {
            unit: 'dateTimeAsIso',
            width: 12,
            description: 'Largest event time accepted by each window store partition.',
          }),
          timeseries('Watermark delay by partition', [q(`max by (store, partition) (${sel('tributary_watermark_delay_seconds', S)})`, '{{store}}[{{partition}}]')], {
            unit: 's',
            width: 12,
            description: 'Wall clock minus stream time. A partition that stops receiving readings shows a growing delay.',
          }),
        ],
      },
      throughputRow('aggregate'),
      storeRow('aggregate'),
      runtimeRow('aggregate'),
    ],
  };
}
