/**
 * `.avsc` files and their subjects: a file named `<subject>.avsc`, anywhere
 * under the folder, holds the schema of that subject
 * (`coldchain.readings-value.avsc` → subject `coldchain.readings-value`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SchemaFileError } from '../errors.js';
import { avroType, type AvroSchema } from './types.js';

export interface SchemaFile {
  readonly subject: string;
  /** Path as found (relative to the current directory when the folder was). */
  readonly file: string;
  /** Path relative to the schema folder (the file name for a lone file). */
  readonly relativePath: string;
  readonly schema: AvroSchema;
  /** The file's text, registered as is (docs included). */
  readonly text: string;
}

/** Every `.avsc` under `dir` (recursively), sorted by subject; throws `SchemaFileError` naming the file on a bad one. */
export function loadSchemaFiles(dir: string): SchemaFile[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true, encoding: 'utf8' });
  } catch (error) {
    throw new SchemaFileError(dir, `cannot read the schema folder (${(error as Error).message})`, error);
  }
  const files = entries.filter((entry) => entry.endsWith('.avsc') && !entry.split(path.sep).includes('node_modules')).sort();
  const bySubject = new Map<string, SchemaFile>();
  for (const entry of files) {
    const file = path.join(dir, entry);
    const loaded = { ...loadSchemaFile(file), relativePath: entry.split(path.sep).join('/') };
    const previous = bySubject.get(loaded.subject);
    if (previous !== undefined) throw new SchemaFileError(file, `subject "${loaded.subject}" is also defined by ${previous.file}; one file per subject`);
    bySubject.set(loaded.subject, loaded);
  }
  return [...bySubject.values()].sort((a, b) => a.subject.localeCompare(b.subject));
}

export function loadSchemaFile(file: string): SchemaFile {
  const subject = path.basename(file, '.avsc');
  if (subject === '' || /\s/.test(subject)) throw new SchemaFileError(file, 'the file name must be <subject>.avsc');
  const text = readFileSync(file, 'utf8');
  let schema: AvroSchema;
  try {
    schema = JSON.parse(text) as AvroSchema;
  } catch (error) {
    throw new SchemaFileError(file, `not valid JSON: ${(error as Error).message}`, error);
  }
  try {
    avroType(schema);
  } catch (error) {
    throw new SchemaFileError(file, `not a valid Avro schema: ${(error as Error).message}`, error);
  }
  return { subject, file, relativePath: path.basename(file), schema, text };
}
