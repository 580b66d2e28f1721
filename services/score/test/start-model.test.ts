/** The model at start: files on disk, a self-describing .onnx without model.json, and a refused model stopping the service with exit 1. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeTreeEnsembleClassifierOnnx } from '../src/model/onnx-ml-writer.js';
import { loadScoringModel } from '../src/scoring-model.js';
import { TEST_METADATA } from './fixtures.js';
import { classifierMetadata, TREES } from './ml-models.js';

const dir = () => mkdtempSync(join(tmpdir(), 'score-model-'));

describe('the model at start', () => {
  it('loads a model.onnx that embeds its metadata, with no model.json beside it', async () => {
    const metadata = classifierMetadata('forest');
    const path = join(dir(), 'model.onnx');
    writeFileSync(path, writeTreeEnsembleClassifierOnnx({ name: 'forest', version: metadata.version, width: 3, trees: TREES, metadata: { 'tributary.model': JSON.stringify(metadata) } }));
    const model = await loadScoringModel({ modelPath: path });
    try {
      expect(model.scorer.metadata).toEqual(metadata);
      expect(model.features.names).toEqual(TEST_METADATA.features);
    } finally {
      await model.release();
    }
  });

  it('names an explicit MODEL_METADATA_PATH that is missing rather than falling back to the embedded metadata', async () => {
    const path = join(dir(), 'model.onnx');
    writeFileSync(path, writeTreeEnsembleClassifierOnnx({ name: 'forest', version: '1', width: 3, trees: TREES }));
    await expect(loadScoringModel({ modelPath: path, metadataPath: '/nonexistent/model.json' })).rejects.toThrow(/cannot read the model sidecar \/nonexistent\/model.json/);
  });

  it('stops the service with exit 1 and the refusal when the model does not match its metadata', () => {
    const folder = dir();
    const path = join(folder, 'model.onnx');
    writeFileSync(path, writeTreeEnsembleClassifierOnnx({ name: 'forest', version: '1', width: 3, trees: TREES }));
    writeFileSync(join(folder, 'model.json'), JSON.stringify({ ...classifierMetadata('forest'), version: '1', features: ['tempAboveSetpointC', 'doorOpenSeconds'], standardization: undefined }));
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', main], {
      env: { ...process.env, MODEL_PATH: path, HTTP_PORT: '0', LOG_LEVEL: 'info' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(`${run.stdout}${run.stderr}`).toMatch(/input "float_input" has shape \[N, 3\]; expected \[N, 2\] for features tempAboveSetpointC, doorOpenSeconds/);
  }, 60_000);
});
