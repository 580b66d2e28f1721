/** The CLI's refusals, which come before any broker is contacted (the broker-backed paths: model-reload.int.test.ts). */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeLogisticRegressionOnnx } from '../src/model/onnx-writer.js';
import { runModelCli } from '../src/registry/model-cli.js';
import { PaymentFeaturesSchema } from '@tributary/schemas';
import { numericPaths } from '../src/features/numeric-paths.js';
import { checkModel } from '../src/registry/model-publisher.js';
import { TEST_METADATA, testModelBytes } from './fixtures.js';
import { FRAUD_METADATA, fraudModelBytes } from './fraud-fixtures.js';

// Port 1: nothing listens there; a test that reached the broker would fail on the connection, not with the refusal.
const args = ['--topic', 'models', '--brokers', '127.0.0.1:1'];

describe('npm run model', () => {
  it('refuses to publish a model whose graph does not match its metadata, naming the mismatch', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'model-cli-'));
    const path = join(dir, 'wide.onnx');
    await writeFile(path, writeLogisticRegressionOnnx({ name: TEST_METADATA.name, version: TEST_METADATA.version, features: [...TEST_METADATA.features, 'extra'], mean: [0, 0, 0, 0], std: [1, 1, 1, 1], weights: [1, 1, 1, 1], bias: 0 }));
    await writeFile(join(dir, 'model.json'), JSON.stringify(TEST_METADATA));
    // model.json beside the file is read when --metadata is not given.
    await expect(runModelCli(['publish', path, ...args], {}, () => undefined)).rejects.toThrow(/shape \[N, 4\]; expected \[N, 3\]/);
  });

  it('refuses to publish bytes that are not ONNX, and a model above the inline limit without --url', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'model-cli-'));
    await writeFile(join(dir, 'junk.onnx'), Buffer.from('not a model at all'));
    await writeFile(join(dir, 'model.json'), JSON.stringify(TEST_METADATA));
    await expect(runModelCli(['publish', join(dir, 'junk.onnx'), ...args], {}, () => undefined)).rejects.toThrow(/not an ONNX model|onnxruntime cannot load/);
    await writeFile(join(dir, 'ok.onnx'), testModelBytes());
    await expect(runModelCli(['publish', join(dir, 'ok.onnx'), '--inline-max-bytes', '100', ...args], {}, () => undefined)).rejects.toThrow(/more than the inline limit 100/);
  });

  it('checks the features against --input-schema (records mode): a fraud model is refused against the default WindowAggregate schema', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'model-cli-'));
    await writeFile(join(dir, 'fraud.onnx'), fraudModelBytes());
    await writeFile(join(dir, 'model.json'), JSON.stringify(FRAUD_METADATA));
    await expect(runModelCli(['publish', join(dir, 'fraud.onnx'), ...args], {}, () => undefined)).rejects.toThrow(/reads "amount", which is not a numeric field of the input record/);
    await expect(runModelCli(['publish', join(dir, 'fraud.onnx'), '--input-schema', join(dir, 'missing.avsc'), ...args], {}, () => undefined)).rejects.toThrow(
      /--input-schema .*missing\.avsc: cannot read an Avro schema/,
    );
    // What `--input-schema schemas/fraud.payment-features-value.avsc` checks against: the model passes.
    await expect(checkModel(fraudModelBytes(), FRAUD_METADATA, undefined, 'fraud', numericPaths(PaymentFeaturesSchema.schema))).resolves.toMatchObject({ name: 'fraud-test' });
  });

  it('prints its usage for an unknown command', async () => {
    await expect(runModelCli(['promote', 'x', ...args], {}, () => undefined)).rejects.toThrow(/usage:\n {2}npm run model -- publish/);
  });
});
