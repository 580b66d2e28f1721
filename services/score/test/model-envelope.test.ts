import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { previousPublication } from '../src/registry/model-publisher.js';
import { checkBytes, decodeEnvelope, encodeEnvelope, envelopeBytes, envelopeFor, sha256Hex } from '../src/registry/model-envelope.js';
import { TEST_METADATA, testModelBytes } from './fixtures.js';

const bytes = testModelBytes();
const at = new Date(Date.UTC(2026, 0, 1));

describe('model envelope', () => {
  it('round-trips an inline model: metadata, checksum, size, publication time and the exact bytes', () => {
    const value = encodeEnvelope(envelopeFor(bytes, TEST_METADATA, { publishedAt: at }));
    expect(value.toString('latin1', 0, 4)).toBe('TRBM');
    const decoded = decodeEnvelope(value, 'test-risk');
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    const e = decoded.envelope;
    expect(e).toMatchObject({ name: 'test-risk', version: '0.0.1', metadata: TEST_METADATA, sha256: sha256Hex(bytes), size: bytes.length, publishedAt: at.toISOString() });
    expect(e.source.kind).toBe('inline');
    expect(e.source.kind === 'inline' && Buffer.from(e.source.bytes).equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses a flipped byte of the model with a checksum mismatch, not a throw', () => {
    const value = encodeEnvelope(envelopeFor(bytes, TEST_METADATA));
    value.writeUInt8(value.readUInt8(value.length - 10) ^ 0xff, value.length - 10);
    const decoded = decodeEnvelope(value, 'test-risk');
    expect(decoded).toMatchObject({ ok: false, reason: 'checksum', name: 'test-risk', version: '0.0.1' });
    expect(!decoded.ok && decoded.message).toMatch(/checksum mismatch/);
  });

  it('refuses truncated, foreign, tombstone and mis-keyed records naming why', () => {
    const value = encodeEnvelope(envelopeFor(bytes, TEST_METADATA));
    const messageOf = (d: ReturnType<typeof decodeEnvelope>): string => (d.ok ? 'accepted' : d.message);
    expect(decodeEnvelope(value.subarray(0, 20), 'test-risk')).toMatchObject({ ok: false, reason: 'envelope' });
    expect(messageOf(decodeEnvelope(value.subarray(0, 20), 'test-risk'))).toMatch(/cut off/);
    expect(decodeEnvelope(value.subarray(0, value.length - 1), 'test-risk')).toMatchObject({ ok: false, reason: 'checksum' });
    expect(decodeEnvelope(Buffer.from('{"name":"x"}'), 'x')).toMatchObject({ ok: false, reason: 'envelope' });
    expect(messageOf(decodeEnvelope(Buffer.from('{"name":"x"}'), 'x'))).toMatch(/magic/);
    expect(decodeEnvelope(null, 'test-risk')).toMatchObject({ ok: false, reason: 'envelope', name: 'test-risk' });
    expect(decodeEnvelope(value, 'other')).toMatchObject({ ok: false, reason: 'envelope' });
    expect(messageOf(decodeEnvelope(value, 'other'))).toMatch(/record key other/);
  });

  it('refuses an envelope whose metadata is invalid or names another version', () => {
    const other = encodeEnvelope({ ...envelopeFor(bytes, TEST_METADATA), version: '9.9.9' });
    expect(decodeEnvelope(other, 'test-risk')).toMatchObject({ ok: false, reason: 'metadata', version: '9.9.9' });
    const invalid = encodeEnvelope({ ...envelopeFor(bytes, TEST_METADATA), metadata: { ...TEST_METADATA, features: 'nope' } as never });
    expect(decodeEnvelope(invalid, 'test-risk')).toMatchObject({ ok: false, reason: 'metadata' });
  });

  it('publishes a model above the inline limit by reference: no bytes in the record, checksum checked after the read', async () => {
    expect(() => envelopeFor(bytes, TEST_METADATA, { inlineMaxBytes: 100 })).toThrow(/more than the inline limit 100.*--url/);
    const dir = await mkdtemp(join(tmpdir(), 'envelope-'));
    const path = join(dir, 'model.onnx');
    await writeFile(path, bytes);
    const value = encodeEnvelope(envelopeFor(bytes, TEST_METADATA, { inlineMaxBytes: 100, url: pathToFileURL(path).href }));
    expect(value.length).toBeLessThan(bytes.length);
    const decoded = decodeEnvelope(value, 'test-risk');
    if (!decoded.ok) throw new Error(decoded.message);
    expect(decoded.envelope.source).toEqual({ kind: 'url', url: pathToFileURL(path).href });
    const read = await envelopeBytes(decoded.envelope);
    expect(read.ok && Buffer.from(read.bytes).equals(Buffer.from(bytes))).toBe(true);

    await writeFile(path, testModelBytes({ ...TEST_METADATA, version: '0.0.2' }));
    expect(await envelopeBytes(decoded.envelope)).toMatchObject({ ok: false, reason: 'checksum' });
    expect(await envelopeBytes({ ...decoded.envelope, source: { kind: 'url', url: pathToFileURL(join(dir, 'absent.onnx')).href } })).toMatchObject({ ok: false, reason: 'fetch' });
  });

  it('checkBytes accepts the same bytes only', () => {
    const e = envelopeFor(bytes, TEST_METADATA);
    expect(checkBytes(bytes, e)).toBeUndefined();
    expect(checkBytes(bytes.subarray(1), e)).toMatch(/checksum mismatch/);
  });
});

describe('previousPublication (what rollback re-publishes)', () => {
  const pub = (name: string, version: string) => ({ ok: true as const, envelope: envelopeFor(bytes, { ...TEST_METADATA, name, version }) });
  it('is the last publication of the model with another version than the live one', () => {
    const history = [pub('test-risk', '1'), pub('other', '7'), pub('test-risk', '2'), pub('test-risk', '3'), pub('test-risk', '3'), pub('other', '8')];
    expect(previousPublication(history, { name: 'test-risk', version: '3' })?.version).toBe('2');
    // After a rollback to 2 (a new publication of 2), the previous one is 3: a second rollback undoes the first.
    expect(previousPublication([...history, pub('test-risk', '2')], { name: 'test-risk', version: '2' })?.version).toBe('3');
    expect(previousPublication([pub('test-risk', '1'), { ok: false, key: 'test-risk', message: 'corrupt' }], { name: 'test-risk', version: '1' })).toBeUndefined();
  });
});
