import { describe, expect, it } from 'vitest';
import { ModelError } from '../src/errors.js';
import { decodeResponse, encodeRequest, metadataFromResponse, ProtocolViolation, remoteEndpoint } from '../src/remote/remote-protocol.js';
import { TEST_METADATA } from './fixtures.js';

const rows = Float32Array.from([1, 0.5, 0, 2, 0.25, 30, 3, 0, 10]);

describe('remote protocol', () => {
  it('picks the protocol from the endpoint path', () => {
    expect(remoteEndpoint('http://m:8500/models/coldchain-risk/')).toEqual({
      protocol: 'tributary',
      inferUrl: 'http://m:8500/models/coldchain-risk',
      metadataUrl: 'http://m:8500/models/coldchain-risk',
    });
    expect(remoteEndpoint('http://m:8000/v2/models/risk/versions/3')).toEqual({
      protocol: 'v2',
      inferUrl: 'http://m:8000/v2/models/risk/versions/3/infer',
      metadataUrl: 'http://m:8000/v2/models/risk/versions/3',
    });
  });

  it('encodes a slice of the rows in both protocols', () => {
    expect(encodeRequest('tributary', TEST_METADATA, rows, 1, 2, 'k')).toEqual({
      model: 'test-risk',
      features: TEST_METADATA.features,
      rows: [
        [2, 0.25, 30],
        [3, 0, 10],
      ],
    });
    expect(encodeRequest('v2', TEST_METADATA, rows, 0, 1, 'k')).toEqual({ id: 'k', inputs: [{ name: 'features', shape: [1, 3], datatype: 'FP32', data: [1, 0.5, 0] }] });
  });

  it('reads a v2 [N, C] probability at the positive class column, nested data too, and contributions by name', () => {
    const decoded = decodeResponse(
      'v2',
      {
        model_name: 'test-risk',
        model_version: '0.0.1',
        outputs: [
          { name: 'risk', shape: [2, 2], datatype: 'FP32', data: [[0.75, 0.25], [0.5, 0.5]] },
          { name: 'contributions', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] },
        ],
      },
      TEST_METADATA,
      2,
    );
    expect(Array.from(decoded.risk)).toEqual([0.25, 0.5]);
    expect(Array.from(decoded.contributions ?? [])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(decoded.model).toEqual({ name: 'test-risk', version: '0.0.1' });
  });

  it('refuses answers that break the protocol', () => {
    const bad = (json: unknown) => () => decodeResponse('tributary', json, TEST_METADATA, 2);
    expect(bad({ scores: [0.1] })).toThrow(new ProtocolViolation('1 scores for 2 rows'));
    expect(bad({ scores: [0.1, null] })).toThrow(/scores\[1\] is null/);
    expect(bad({ scores: [0.1, 0.2], contributions: [[1, 2, 3]] })).toThrow(/contributions/);
    expect(bad({ scores: [0.1, 0.2], model: 'test-risk' })).toThrow(/"model"/);
    expect(bad([0.1, 0.2])).toThrow(/not a JSON object/);
    expect(() => decodeResponse('v2', { outputs: [{ name: 'risk', shape: [3], datatype: 'FP32', data: [1, 2, 3] }] }, TEST_METADATA, 2)).toThrow(/3 rows for 2/);
  });

  it('reads the metadata of either protocol, and says to set MODEL_METADATA_PATH when a v2 server has none', () => {
    expect(metadataFromResponse('tributary', TEST_METADATA, 'GET x')).toEqual(TEST_METADATA);
    expect(metadataFromResponse('v2', { name: 'test-risk', parameters: { 'tributary.model': JSON.stringify(TEST_METADATA) } }, 'GET x')).toEqual(TEST_METADATA);
    expect(() => metadataFromResponse('v2', { name: 'test-risk', versions: ['1'] }, 'GET x')).toThrow(ModelError);
    expect(() => metadataFromResponse('v2', { name: 'test-risk', versions: ['1'] }, 'GET x')).toThrow(/set MODEL_METADATA_PATH/);
  });
});
