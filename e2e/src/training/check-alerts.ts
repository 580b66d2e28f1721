/**
 * Checks the committed model the way the product uses it: simulates a fresh
 * fleet, computes its windows with the oracle, scores them with
 * services/score's model loader and onnxruntime, alerts at the score
 * operator's default ALERT_THRESHOLD, and prints per unit what happened:
 *
 *   node --import tsx --conditions=source e2e/src/training/check-alerts.ts
 *     [--seed 2026] [--containers 40] [--hours 3] [--failing-share 0.25] [--fails-at 0.2,1.1]
 *     [--start 2025-03-03T00:00:00Z] [--simulate-hours H] [--threshold T] [--model path/to/model.onnx]
 *
 * `npm start`'s first minutes, for instance (40 units, seed 42, a 24 h run
 * whose failures fall in its first half, of which the first hour):
 *
 *   ... check-alerts.ts --seed 42 --hours 24 --fails-at 0.01,0.5 --simulate-hours 1
 */
import { parseArgs } from 'node:util';
import { DEFAULT_MODEL_PATH, loadConfig } from '@tributary/score';
import { alertFigures, checkFleet, DEFAULT_CHECK_FLEET, operatorRisks } from './alert-check.js';

const d = DEFAULT_CHECK_FLEET;
const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: String(d.seed) },
    containers: { type: 'string', default: String(d.containers) },
    hours: { type: 'string', default: String(d.hours) },
    'failing-share': { type: 'string', default: String(d.failingShare) },
    'fails-at': { type: 'string', default: d.failsAtRange.join(',') },
    start: { type: 'string', default: '2025-03-03T00:00:00Z' },
    'simulate-hours': { type: 'string' },
    threshold: { type: 'string' },
    model: { type: 'string', default: DEFAULT_MODEL_PATH },
  },
});

const number = (name: string, raw: string): number => {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) throw new Error(`--${name} ${raw}: expected a number`);
  return value;
};
const [from, to] = values['fails-at'].split(',').map((x) => number('fails-at', x));
if (from === undefined || to === undefined) throw new Error(`--fails-at ${values['fails-at']}: expected from,to`);
const startTime = Date.parse(values.start);
if (!Number.isFinite(startTime)) throw new Error(`--start ${values.start}: expected an ISO date`);

const fleet = checkFleet({
  seed: number('seed', values.seed),
  containers: number('containers', values.containers),
  hours: number('hours', values.hours),
  failingShare: number('failing-share', values['failing-share']),
  failsAtRange: [from, to],
  startTime: Math.floor(startTime / 60_000) * 60_000,
  ...(values['simulate-hours'] === undefined ? {} : { simulateHours: number('simulate-hours', values['simulate-hours']) }),
});
const { risks, metadata } = await operatorRisks(fleet.aggregates, values.model);
// The threshold the score operator alerts at when ALERT_THRESHOLD is unset.
const threshold = values.threshold === undefined ? loadConfig({}).ALERT_THRESHOLD : number('threshold', values.threshold);
const figures = alertFigures(fleet, risks, threshold, metadata.horizonMinutes);
console.log(JSON.stringify({ model: `${metadata.name} ${metadata.version}`, modelThreshold: metadata.threshold, fleet: fleet.options, ...figures }, null, 2));
