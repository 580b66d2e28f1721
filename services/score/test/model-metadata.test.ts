import { describe, expect, it } from 'vitest';
import { parseModelMetadata } from '../src/model/model-metadata.js';

const base = { name: 'm', version: '1', features: ['a', 'b'], horizonMinutes: 60 };

describe('parseModelMetadata: the fields of a model you bring', () => {
  it('needs no input or output names, and keeps standardization, positiveClass and the figures at the threshold', () => {
    const parsed = parseModelMetadata(
      { ...base, standardization: { b: { mean: 2, std: 0.5 } }, positiveClass: 'fail', evaluation: { heldOutRows: 10, heldOutPositives: 2, heldOutAuc: 0.9, trainAuc: 0.95, heldOutPrecision: 0.5, heldOutRecall: 0.25 } },
      'm.json',
    );
    expect(parsed).toEqual({
      ...base,
      standardization: { b: { mean: 2, std: 0.5 } },
      positiveClass: 'fail',
      evaluation: { heldOutRows: 10, heldOutPositives: 2, heldOutAuc: 0.9, trainAuc: 0.95, heldOutPrecision: 0.5, heldOutRecall: 0.25 },
    });
    expect(parsed.inputName).toBeUndefined();
    expect(parsed.outputName).toBeUndefined();
  });

  it('refuses a standardization that cannot be applied, and a positive class that is not a label', () => {
    expect(() => parseModelMetadata({ ...base, standardization: { a: { mean: 0, std: 0 } } }, 'm.json')).toThrow(/m.json: "standardization.a" must be \{ mean: a finite number, std: a positive finite number \}/);
    expect(() => parseModelMetadata({ ...base, standardization: { a: { mean: 'x', std: 1 } } }, 'm.json')).toThrow(/"standardization.a"/);
    expect(() => parseModelMetadata({ ...base, standardization: { c: { mean: 0, std: 1 } } }, 'm.json')).toThrow(/"standardization" names features the model does not take: c/);
    expect(() => parseModelMetadata({ ...base, positiveClass: 0.5 }, 'm.json')).toThrow(/"positiveClass" must be an integer or a non-empty string label/);
    expect(() => parseModelMetadata({ ...base, outputName: '' }, 'm.json')).toThrow(/"outputName" must be a non-empty string when present/);
    expect(() => parseModelMetadata({ ...base, evaluation: { heldOutRows: 1, heldOutPositives: 1, heldOutAuc: 1, trainAuc: 1, heldOutRecall: 2 } }, 'm.json')).toThrow(
      /"evaluation.heldOutRecall" must be a number between 0 and 1/,
    );
  });
});
