/**
 * Trains the card-fraud risk model and writes model.onnx, model.json and
 * MODEL_CARD.md:
 *
 *   node --import tsx --conditions=source e2e/src/fraud/training/train-fraud-model.ts [--out models/fraud-risk]
 *     [--seed 42] [--cards 3000] [--days 4] [--fraud-share 0.1] [--version 1.0.0]
 *
 * and prints the held-out and fresh-population figures.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFraudModel, FRAUD_TRAINING_DEFAULTS, fraudTrainingCommand } from './write-model.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: FRAUD_TRAINING_DEFAULTS.out },
    seed: { type: 'string', default: String(FRAUD_TRAINING_DEFAULTS.seed) },
    cards: { type: 'string', default: String(FRAUD_TRAINING_DEFAULTS.cards) },
    days: { type: 'string', default: String(FRAUD_TRAINING_DEFAULTS.days) },
    'fraud-share': { type: 'string', default: String(FRAUD_TRAINING_DEFAULTS.fraudShare) },
    version: { type: 'string', default: FRAUD_TRAINING_DEFAULTS.version },
  },
});

const number = (name: string, raw: string, integer: boolean): number => {
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) throw new Error(`--${name} ${raw}: expected ${integer ? 'an integer' : 'a number'}`);
  return value;
};

const options = {
  seed: number('seed', values.seed, true),
  cards: number('cards', values.cards, true),
  days: number('days', values.days, false),
  fraudShare: number('fraud-share', values['fraud-share'], false),
  version: values.version,
};
const started = performance.now();
const files = writeFraudModel(options, fraudTrainingCommand({ ...options, out: values.out }));
const out = resolve(values.out);
await mkdir(out, { recursive: true });
for (const [name, content] of Object.entries(files.files)) await writeFile(join(out, name), content);
const { result } = files;
const figures = (f: typeof result.heldOut) => ({ auc: Number(f.auc.toFixed(4)), payments: f.payments, fraud: f.fraudPayments, thresholds: f.thresholds, patterns: f.patterns });
console.log(
  JSON.stringify(
    {
      out,
      model: `${result.metadata.name} ${result.metadata.version}`,
      train: result.train,
      heldOut: figures(result.heldOut),
      check: figures(result.check),
      seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    },
    null,
    2,
  ),
);
