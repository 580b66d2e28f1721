import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchemaFiles, readSchemaId, SchemaFileError, subjectName, TruncatedPayload, UnknownMagicByte, withHeader, type AvroSchema } from '../src/index.js';

const schema = { type: 'record', name: 'Reading', namespace: 'io.example', fields: [{ name: 'id', type: 'string' }] } as AvroSchema;

describe('subject name strategies', () => {
  it('TopicNameStrategy by default: <topic>-value / <topic>-key', () => {
    expect(subjectName('topic', { topic: 'coldchain.readings', isKey: false }, schema)).toBe('coldchain.readings-value');
    expect(subjectName('topic', { topic: 'coldchain.readings', isKey: true }, schema)).toBe('coldchain.readings-key');
  });
  it('RecordNameStrategy: the full record name; TopicRecordNameStrategy: <topic>-<full name>', () => {
    expect(subjectName('record', { topic: 't', isKey: false }, schema)).toBe('io.example.Reading');
    expect(subjectName('topic-record', { topic: 't', isKey: false }, schema)).toBe('t-io.example.Reading');
  });
});

describe('wire header', () => {
  it('writes magic byte 0 and a big-endian id, and reads them back', () => {
    const data = withHeader(258, Buffer.from([1, 2]));
    expect([...data]).toEqual([0, 0, 0, 1, 2, 1, 2]);
    expect(readSchemaId(data)).toBe(258);
  });
  it('names what is wrong with a bad header', () => {
    expect(() => readSchemaId(Buffer.from([1, 0, 0, 0, 1]))).toThrow(UnknownMagicByte);
    expect(() => readSchemaId(Buffer.from([0, 0, 0]))).toThrow(TruncatedPayload);
    expect(() => readSchemaId(Buffer.alloc(0))).toThrow(TruncatedPayload);
  });
});

describe('schema files', () => {
  it('map <subject>.avsc, anywhere under the folder, to the subject', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'avsc-'));
    mkdirSync(path.join(dir, 'nested', 'deeper'), { recursive: true });
    writeFileSync(path.join(dir, 'a.topic-value.avsc'), JSON.stringify(schema));
    writeFileSync(path.join(dir, 'nested', 'deeper', 'io.example.Reading.avsc'), JSON.stringify(schema));
    writeFileSync(path.join(dir, 'nested', 'notes.txt'), 'ignored');
    expect(loadSchemaFiles(dir).map((f) => f.subject)).toEqual(['a.topic-value', 'io.example.Reading']);
  });
  it('name the file and the problem when a schema is invalid, or a subject defined twice', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'avsc-'));
    writeFileSync(path.join(dir, 'x-value.avsc'), '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}');
    expect(() => loadSchemaFiles(dir)).toThrow(/x-value\.avsc: not a valid Avro schema: .*nope/);
    const twice = mkdtempSync(path.join(os.tmpdir(), 'avsc-'));
    mkdirSync(path.join(twice, 'sub'));
    writeFileSync(path.join(twice, 'y-value.avsc'), JSON.stringify(schema));
    writeFileSync(path.join(twice, 'sub', 'y-value.avsc'), JSON.stringify(schema));
    expect(() => loadSchemaFiles(twice)).toThrow(SchemaFileError);
  });
});
