/** The enrich operator: readings joined with the container reference table. */
import { q, stat, timeseries, type DashboardSpec } from '../model.js';
import { sel, service, sumRate } from '../promql.js';
import { runtimeRow, storeRow, throughputRow } from './runtime.js';

const S = service('enrich');

/** The enrich dashboard (services/enrich/src/main.ts and the runtime's metrics). */
export function enrichDashboard(): DashboardSpec {
  return {
    name: 'enrich',
    title: 'Tributary / Enrich',
    description: 'Readings joined with the container reference table (global table `containers`).',
    rows: [
      {
        title: 'Joins',
        panels: [
          stat('Joins /s', [q(sumRate('tributary_enrich_joins_total', [], S), 'joins')], { unit: 'ops' }),
          stat(
            'Matched share',
            [q(`${sumRate('tributary_enrich_joins_total', [], `${S},result="matched"`)} / ${sumRate('tributary_enrich_joins_total', [], S)}`, 'matched')],
            {
              unit: 'percentunit',
              description: 'Readings whose container has a reference record.',
            },
          ),
          stat('Containers in the reference table', [q(`max(${sel('tributary_state_store_entries', `${S},store="containers"`)})`, 'containers')], {
            unit: 'short',
            description: 'A global table: every instance holds all of it (partition -1), so the largest copy.',
          }),
          timeseries('Joins /s by result', [q(sumRate('tributary_enrich_joins_total', ['result'], S), '{{result}}')], {
            unit: 'ops',
            stack: true,
            width: 12,
            description: 'A batch reprocessed after an abort counts again.',
          }),
        ],
      },
      throughputRow('enrich'),
      runtimeRow('enrich'),
      storeRow('enrich'),
    ],
  };
}
