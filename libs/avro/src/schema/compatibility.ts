/**
 * Schema compatibility in the registry's terms, with the field named.
 *
 * `canRead(reader, writer)` applies the Avro spec's schema-resolution rules
 * and lists every place they fail, using the incompatibility names of
 * Confluent's checker (READER_FIELD_MISSING_DEFAULT_VALUE, TYPE_MISMATCH, …).
 * `checkCompatibility` runs it in the direction(s) a compatibility level asks:
 *
 * - BACKWARD: the new schema reads data written with the previous one
 *   (upgrade consumers first).
 * - FORWARD: the previous schema reads data written with the new one
 *   (upgrade producers first).
 * - FULL: both. `*_TRANSITIVE`: against every registered version, not only the latest.
 */
import type avro from 'avsc';
import type { CompatibilityLevel } from '../registry/compatibility-level.js';
import { avroType, type AvroSchema } from './types.js';

export type IncompatibilityType =
  | 'READER_FIELD_MISSING_DEFAULT_VALUE'
  | 'TYPE_MISMATCH'
  | 'NAME_MISMATCH'
  | 'MISSING_ENUM_SYMBOLS'
  | 'FIXED_SIZE_MISMATCH'
  | 'MISSING_UNION_BRANCH';

export interface Incompatibility {
  /** Dotted field path from the root record (`gps.latitudeDeg`), `(root)` for the record itself. */
  readonly path: string;
  readonly type: IncompatibilityType;
  /** What is wrong, in terms of the reader and the writer. */
  readonly detail: string;
}

/** An incompatibility of a candidate schema with one registered version, with what to do about it. */
export interface CompatibilityViolation extends Incompatibility {
  /** `backward`: the new schema cannot read the old data; `forward`: the old schema cannot read the new data. */
  readonly direction: 'backward' | 'forward';
  readonly version: number;
  /** One sentence the user can act on. */
  readonly advice: string;
}

export interface RegisteredVersion {
  readonly version: number;
  readonly schema: AvroSchema;
}

interface T {
  readonly typeName: string;
  readonly name?: string;
  readonly aliases?: readonly string[];
  readonly fields?: readonly F[];
  readonly symbols?: readonly string[];
  readonly default?: unknown;
  readonly size?: number;
  readonly itemsType?: T;
  readonly valuesType?: T;
  readonly types?: readonly T[];
  readonly underlyingType?: T;
}
interface F {
  readonly name: string;
  readonly type: T;
  readonly aliases: readonly string[];
}

const PROMOTIONS: Record<string, readonly string[]> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

const base = (t: T): T => (t.underlyingType === undefined ? t : base(t.underlyingType));
const shortName = (name: string | undefined): string => (name ?? '').split('.').pop() ?? '';
const isUnion = (t: T): boolean => t.typeName.startsWith('union');
const hasDefault = (field: F): boolean => Object.prototype.hasOwnProperty.call(field, 'defaultValue');
const join = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`);

/** Describes a type for messages: `long`, `record Gps`, `["null","double"]`. */
export function describeType(type: avro.Type | T): string {
  const t = base(type as T);
  if (isUnion(t)) return `[${(t.types ?? []).map((b) => describeType(b)).join(', ')}]`;
  if (t.typeName === 'array') return `array<${describeType(t.itemsType as T)}>`;
  if (t.typeName === 'map') return `map<${describeType(t.valuesType as T)}>`;
  if (t.name !== undefined) return `${t.typeName} ${shortName(t.name)}`;
  return t.typeName;
}

/** Every reason `reader` cannot read data written with `writer` ([] when it can). */
export function canRead(reader: avro.Type, writer: avro.Type): Incompatibility[] {
  const out: Incompatibility[] = [];
  check(reader as unknown as T, writer as unknown as T, '', out, new Set());
  return out;
}

function readable(reader: T, writer: T): boolean {
  const out: Incompatibility[] = [];
  check(reader, writer, '', out, new Set());
  return out.length === 0;
}

function check(readerType: T, writerType: T, path: string, out: Incompatibility[], seen: Set<string>): void {
  const reader = base(readerType);
  const writer = base(writerType);
  const at = path === '' ? '(root)' : path;
  if (isUnion(writer)) {
    // Every branch the writer may have used must be readable.
    for (const branch of writer.types ?? []) {
      if (isUnion(reader) ? !(reader.types ?? []).some((r) => readable(r, branch)) : !readable(reader, branch)) {
        const sameKind = isUnion(reader) ? (reader.types ?? []).find((r) => sameKindAs(r, branch)) : undefined;
        if (sameKind !== undefined) {
          check(sameKind, branch, path, out, seen); // the branch changed inside: name the field that did
        } else if (isUnion(reader) || (writer.types ?? []).length > 1) {
          out.push({ path: at, type: 'MISSING_UNION_BRANCH', detail: `the writer's union branch ${describeType(branch)} has no matching branch in the reader's ${describeType(reader)}` });
        } else {
          check(reader, branch, path, out, seen);
        }
      }
    }
    return;
  }
  if (isUnion(reader)) {
    const branches = reader.types ?? [];
    if (branches.some((r) => readable(r, writer))) return;
    // Report against the branch of the same kind when there is one: its own mismatch is the useful message.
    const sameKind = branches.find((r) => sameKindAs(r, writer));
    if (sameKind !== undefined) check(sameKind, writer, path, out, seen);
    else out.push({ path: at, type: 'TYPE_MISMATCH', detail: `the reader's union ${describeType(reader)} has no branch for the writer's ${describeType(writer)}` });
    return;
  }
  if (reader.typeName !== writer.typeName) {
    if (!(PROMOTIONS[writer.typeName] ?? []).includes(reader.typeName)) {
      out.push({ path: at, type: 'TYPE_MISMATCH', detail: `the reader expects ${describeType(reader)}, the writer wrote ${describeType(writer)}` });
    }
    return;
  }
  switch (reader.typeName) {
    case 'record':
    case 'error':
      return checkRecord(reader, writer, path, out, seen);
    case 'enum': {
      if (!namesMatch(reader, writer)) return void out.push(nameMismatch(at, reader, writer));
      const missing = (writer.symbols ?? []).filter((s) => !(reader.symbols ?? []).includes(s));
      if (missing.length > 0 && reader.default === undefined) {
        out.push({ path: at, type: 'MISSING_ENUM_SYMBOLS', detail: `the writer's symbols ${missing.join(', ')} are not in the reader's enum ${shortName(reader.name)}, which has no default symbol` });
      }
      return;
    }
    case 'fixed':
      if (!namesMatch(reader, writer)) return void out.push(nameMismatch(at, reader, writer));
      if (reader.size !== writer.size) out.push({ path: at, type: 'FIXED_SIZE_MISMATCH', detail: `the reader's fixed ${shortName(reader.name)} has ${reader.size} bytes, the writer's ${writer.size}` });
      return;
    case 'array':
      return check(reader.itemsType as T, writer.itemsType as T, `${path}[]`, out, seen);
    case 'map':
      return check(reader.valuesType as T, writer.valuesType as T, `${path}{}`, out, seen);
    default:
      return; // same primitive
  }
}

/** Same Avro type, and for named types the same name: the branch a change most likely happened in. */
function sameKindAs(a: T, b: T): boolean {
  const x = base(a);
  const y = base(b);
  return x.typeName === y.typeName && (x.name === undefined || shortName(x.name) === shortName(y.name));
}

function namesMatch(reader: T, writer: T): boolean {
  const wanted = shortName(writer.name);
  return shortName(reader.name) === wanted || (reader.aliases ?? []).some((a) => shortName(a) === wanted);
}

function nameMismatch(path: string, reader: T, writer: T): Incompatibility {
  return { path, type: 'NAME_MISMATCH', detail: `the reader's ${reader.typeName} is named ${shortName(reader.name)}, the writer's ${shortName(writer.name)} (and no alias maps one to the other)` };
}

function checkRecord(reader: T, writer: T, path: string, out: Incompatibility[], seen: Set<string>): void {
  if (!namesMatch(reader, writer)) return void out.push(nameMismatch(path === '' ? '(root)' : path, reader, writer));
  const key = `${reader.name ?? ''}<-${writer.name ?? ''}`;
  if (seen.has(key)) return; // recursive types: checked once
  seen.add(key);
  const writerFields = writer.fields ?? [];
  for (const field of reader.fields ?? []) {
    const source = writerFields.find((w) => w.name === field.name) ?? writerFields.find((w) => field.aliases.includes(w.name));
    const fieldPath = join(path, field.name);
    if (source !== undefined) check(field.type, source.type, fieldPath, out, seen);
    else if (!hasDefault(field)) {
      out.push({ path: fieldPath, type: 'READER_FIELD_MISSING_DEFAULT_VALUE', detail: `the reader has field ${field.name} (${describeType(field.type)}) with no default, and the writer's record has no such field` });
    }
  }
}

/** Checks `candidate` against the registered versions (oldest first) under `level`. */
export function checkCompatibility(level: CompatibilityLevel, candidate: AvroSchema, versions: readonly RegisteredVersion[]): CompatibilityViolation[] {
  if (level === 'NONE' || versions.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? versions : versions.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const next = avroType(candidate);
  const violations: CompatibilityViolation[] = [];
  for (const previous of against) {
    const old = avroType(previous.schema);
    if (backward) {
      for (const found of canRead(next, old)) violations.push({ ...found, direction: 'backward', version: previous.version, advice: advise(found, 'backward', previous.version) });
    }
    if (forward) {
      for (const found of canRead(old, next)) violations.push({ ...found, direction: 'forward', version: previous.version, advice: advise(found, 'forward', previous.version) });
    }
  }
  return violations;
}

function advise(found: Incompatibility, direction: 'backward' | 'forward', version: number): string {
  const field = found.path;
  switch (found.type) {
    case 'READER_FIELD_MISSING_DEFAULT_VALUE':
      return direction === 'backward'
        ? `new field ${field} has no default, so the new schema cannot read records written with version ${version}: give it a default (an optional field: "type": ["null", …], "default": null)`
        : `field ${field} is removed, but version ${version} declares it without a default, so consumers still on version ${version} cannot read new records: keep the field, or first register a version that gives it a default, then remove it`;
    case 'TYPE_MISMATCH':
      return `field ${field} changes type (${found.detail}), which Avro cannot convert (allowed promotions: int→long→float→double, string↔bytes): add a field under a new name with a default instead and stop writing the old one`;
    case 'NAME_MISMATCH':
      return `${field}: ${found.detail}: keep the name, or list the old name in "aliases" of the renamed type`;
    case 'MISSING_ENUM_SYMBOLS':
      return `${field}: ${found.detail}: keep the symbols, or give the enum a "default" symbol first`;
    case 'FIXED_SIZE_MISMATCH':
      return `${field}: ${found.detail}: a fixed type's size cannot change; use a new field`;
    case 'MISSING_UNION_BRANCH':
      return `${field}: ${found.detail}: keep the branch in the union`;
  }
}
