/**
 * The gate: breaking changes are refused by `npm run schemas -- check` /
 * `register` and by the registry itself, with messages naming the subject,
 * the field and the rule.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stackEndpoints } from '@tributary/testing/vitest';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { RegistryClient, SchemaRejected, type CompatibilityLevel } from '../src/index.js';

const record = (fields: unknown[]): object => ({ type: 'record', name: 'Reading', namespace: 'io.tributary.test', doc: 'test', fields });
const v1 = record([
  { name: 'id', type: 'string' },
  { name: 'temperatureC', type: 'double' },
  { name: 'eventTime', type: 'long' },
]);

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main([...args, '--registry', stackEndpoints().SCHEMA_REGISTRY_URL], (line) => lines.push(line));
  return { code, out: lines.join('\n') };
}

/** A schema folder holding one subject's file, nested as users may keep them. */
function folder(subject: string, schema: object): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'schemas-'));
  mkdirSync(path.join(dir, 'team-a'));
  writeFileSync(path.join(dir, 'team-a', `${subject}.avsc`), JSON.stringify(schema, null, 2));
  return dir;
}

interface Case {
  readonly change: string;
  readonly level: CompatibilityLevel;
  readonly v2: object;
  readonly field: string;
  readonly rule: string;
  readonly advice: RegExp;
}

const cases: Case[] = [
  {
    change: 'type change (double → string)',
    level: 'BACKWARD',
    v2: record([{ name: 'id', type: 'string' }, { name: 'temperatureC', type: 'string' }, { name: 'eventTime', type: 'long' }]),
    field: 'temperatureC',
    rule: 'TYPE_MISMATCH',
    advice: /add a field under a new name with a default/,
  },
  {
    change: 'new field without a default under BACKWARD',
    level: 'BACKWARD',
    v2: record([{ name: 'id', type: 'string' }, { name: 'temperatureC', type: 'double' }, { name: 'eventTime', type: 'long' }, { name: 'humidityPct', type: 'double' }]),
    field: 'humidityPct',
    rule: 'READER_FIELD_MISSING_DEFAULT_VALUE',
    advice: /give it a default/,
  },
  {
    change: 'removed field without a default under FORWARD',
    level: 'FORWARD',
    v2: record([{ name: 'id', type: 'string' }, { name: 'eventTime', type: 'long' }]),
    field: 'temperatureC',
    rule: 'READER_FIELD_MISSING_DEFAULT_VALUE',
    advice: /first register a version that gives it a default/,
  },
];

describe('breaking changes are refused by the CLI and by the registry', () => {
  let registry: RegistryClient;
  beforeAll(() => {
    registry = new RegistryClient({ url: stackEndpoints().SCHEMA_REGISTRY_URL });
  });

  for (const c of cases) {
    it(c.change, async () => {
      const subject = `breaking.${randomUUID().slice(0, 8)}-value`;
      // v1 goes in through the CLI (a new subject passes the check).
      const first = await cli(['register', '--dir', folder(subject, v1)]);
      expect(first.out).toContain(`registered ${subject} version 1`);
      expect(first.code).toBe(0);
      if (c.level !== 'BACKWARD') await registry.setCompatibilityLevel(subject, c.level);

      const dir = folder(subject, c.v2);
      const check = await cli(['check', '--dir', dir]);
      expect(check.code).toBe(1);
      expect(check.out).toContain(`FAIL  ${subject}  ${c.level} against version 1`);
      expect(check.out).toContain(`field ${c.field}: ${c.rule}`);
      expect(check.out).toMatch(c.advice);
      expect(check.out).toMatch(new RegExp(`schemas: 1 breaking change in ${subject.replace(/\./g, '\\.')}`));

      const register = await cli(['register', '--dir', dir]);
      expect(register.code).toBe(1);
      expect(register.out).toContain('nothing registered');
      expect(await registry.versions(subject)).toEqual([1]);

      // The registry refuses it on its own too (HTTP 409), and the error names the field and rule.
      const refused = await registry.register(subject, JSON.stringify(c.v2)).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(SchemaRejected);
      expect(refused).toMatchObject({ code: 'SCHEMA_REJECTED', retriable: false, subject });
      expect((refused as Error).message).toContain('HTTP 409');
      expect((refused as Error).message).toContain(`field ${c.field}: ${c.rule}`);
      expect(await registry.versions(subject)).toEqual([1]);
    });
  }

  it('safe changes pass check and register as a new version; an unchanged file is left alone', async () => {
    const subject = `safe.${randomUUID().slice(0, 8)}-value`;
    expect((await cli(['register', '--dir', folder(subject, v1)])).code).toBe(0);
    const v2 = record([{ name: 'id', type: 'string' }, { name: 'temperatureC', type: 'double' }, { name: 'eventTime', type: 'long' }, { name: 'humidityPct', type: ['null', 'double'], default: null }]);
    const dir = folder(subject, v2);
    expect(await cli(['check', '--dir', dir])).toMatchObject({ code: 0, out: expect.stringContaining(`ok    ${subject}  BACKWARD against version 1`) as string });
    expect(await cli(['register', '--dir', dir])).toMatchObject({ code: 0, out: expect.stringContaining(`registered ${subject} version 2`) as string });
    expect(await cli(['check', '--dir', dir])).toMatchObject({ code: 0, out: expect.stringContaining(`ok    ${subject}  unchanged (version 2)`) as string });
    expect(await registry.versions(subject)).toEqual([1, 2]);
  });

  it('`npm run schemas -- check` exits non-zero from the root, and passes on the repository’s schemas/', async () => {
    const run = promisify(execFile);
    const root = path.resolve(import.meta.dirname, '../../..');
    const subject = `cli.${randomUUID().slice(0, 8)}-value`;
    await registry.register(subject, JSON.stringify(v1));
    const broken = folder(subject, cases[0]?.v2 ?? {});
    const env = { ...process.env, SCHEMA_REGISTRY_URL: stackEndpoints().SCHEMA_REGISTRY_URL };
    const failed = await run('npm', ['run', '--silent', 'schemas', '--', 'check', '--dir', broken], { cwd: root, env }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string },
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toContain(`field temperatureC: TYPE_MISMATCH`);
    const ok = await run('npm', ['run', '--silent', 'schemas', '--', 'check'], { cwd: root, env });
    const files = readdirSync(path.join(root, 'schemas')).filter((f) => f.endsWith('.avsc'));
    expect(files.length).toBeGreaterThan(0);
    expect(ok.stdout).toContain(`schemas: all ${files.length} compatible`);
  });
});
