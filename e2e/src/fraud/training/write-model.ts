/**
 * The committed fraud model's options and file contents, shared by the
 * training command and the test that regenerates models/fraud-risk and
 * compares it with what is committed.
 */
import { fraudModelCard } from './model-card.js';
import { trainFraudModel, type FraudTrainingOptions, type FraudTrainingResult } from './fraud-model.js';

/** The options models/fraud-risk was trained with (the command's defaults). */
export const FRAUD_TRAINING_DEFAULTS = { out: 'models/fraud-risk', seed: 42, cards: 3000, days: 4, fraudShare: 0.1, version: '1.0.0' } as const;

/** The command line that reproduces a model (options equal to the defaults are left out). */
export function fraudTrainingCommand(options: { out: string; seed: number; cards: number; days: number; fraudShare: number; version: string }): string {
  const flags: [string, string | number, string | number][] = [
    ['out', options.out, FRAUD_TRAINING_DEFAULTS.out],
    ['seed', options.seed, FRAUD_TRAINING_DEFAULTS.seed],
    ['cards', options.cards, FRAUD_TRAINING_DEFAULTS.cards],
    ['days', options.days, FRAUD_TRAINING_DEFAULTS.days],
    ['fraud-share', options.fraudShare, FRAUD_TRAINING_DEFAULTS.fraudShare],
    ['version', options.version, FRAUD_TRAINING_DEFAULTS.version],
  ];
  const args = flags.filter(([, value, fallback]) => value !== fallback).map(([name, value]) => ` --${name} ${value}`).join('');
  return `node --import tsx --conditions=source e2e/src/fraud/training/train-fraud-model.ts${args}`;
}

/** Trains and renders the three files (model.onnx, model.json, MODEL_CARD.md). */
export function writeFraudModel(options: FraudTrainingOptions, command: string): { result: FraudTrainingResult; files: Record<'model.onnx' | 'model.json' | 'MODEL_CARD.md', Uint8Array | string> } {
  const result = trainFraudModel(options);
  return {
    result,
    files: {
      'model.onnx': result.onnx,
      'model.json': `${JSON.stringify(result.metadata, null, 2)}\n`,
      'MODEL_CARD.md': fraudModelCard(result, command),
    },
  };
}
