/**
 * Trains the compressor-failure risk model and writes model.onnx, model.json
 * and MODEL_CARD.md:
 *
 *   node --import tsx --conditions=source e2e/src/training/train-risk-model.ts [--out models/coldchain-risk]
 *     [--seed 42] [--containers 100] [--hours 24] [--failing-share 0.2] [--version 2.0.0]
 *
 * and prints the held-out figures and what the model's threshold does on
 * the check fleets (alerts per unit, lead before failure, false alerts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { modelCard } from './model-card.js';
import { trainRiskModel } from './risk-model.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'models/coldchain-risk' },
    seed: { type: 'string', default: '42' },
    containers: { type: 'string', default: '100' },
    hours: { type: 'string', default: '24' },
    'failing-share': { type: 'string', default: '0.2' },
    version: { type: 'string', default: '2.0.0' },
  },
});

const number = (name: string, raw: string, integer: boolean): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) throw new Error(`--${name} ${raw}: expected ${integer ? 'an integer' : 'a number'}`);
  return value;
};

const options = {
  seed: number('seed', values.seed, true),
  containers: number('containers', values.containers, true),
  hours: number('hours', values.hours, false),
  failingShare: number('failing-share', values['failing-share'], false),
  version: values.version,
};
const started = performance.now();
const result = trainRiskModel(options);
const seconds = (performance.now() - started) / 1000;

const out = resolve(values.out);
await mkdir(out, { recursive: true });
const args = [
  values.out === 'models/coldchain-risk' ? '' : ` --out ${values.out}`,
  ...Object.entries({ seed: values.seed, containers: values.containers, hours: values.hours, 'failing-share': values['failing-share'], version: values.version }).map(([k, v]) => ` --${k} ${v}`),
].join('');
const command = `node --import tsx --conditions=source e2e/src/training/train-risk-model.ts${args}`;
await writeFile(join(out, 'model.onnx'), result.onnx);
await writeFile(join(out, 'model.json'), `${JSON.stringify(result.metadata, null, 2)}\n`);
await writeFile(join(out, 'MODEL_CARD.md'), modelCard(result, command));
console.log(
  JSON.stringify(
    {
      out,
      model: `${result.metadata.name} ${result.metadata.version}`,
      heldOutAuc: Number(result.heldOutAuc.toFixed(4)),
      trainAuc: Number(result.trainAuc.toFixed(4)),
      windows: result.data.windows,
      positives: result.data.positives,
      threshold: result.threshold,
      bestF1Threshold: result.bestF1Threshold,
      thresholds: result.thresholds,
      checks: result.checks.flatMap(({ name, figures, atBestF1 }) =>
        [figures, atBestF1].map((f) => {
          const { failingUnits: _units, ...summary } = f;
          return { name, ...summary };
        }),
      ),
      seconds: Number(seconds.toFixed(1)),
    },
    null,
    2,
  ),
);
