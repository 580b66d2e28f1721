#!/usr/bin/env node
/**
 * `npm run schemas -- <check|register|codegen>`: the schema gate.
 *
 * check     compares every `<subject>.avsc` under --dir with the latest
 *           registered version of its subject, under the subject's
 *           compatibility level (default BACKWARD); exits 1 on a breaking
 *           change, naming the subject, the field and the rule.
 * register  runs the same check, then registers the schemas that changed.
 * codegen   writes the TypeScript types for the schemas (--out).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AvroError } from '../errors.js';
import { RegistryClient } from '../registry/client.js';
import { generateTypes } from '../schema/codegen.js';
import { loadSchemaFiles } from '../schema/files.js';
import { checkSubject, formatReport, isBreaking } from './check.js';

const USAGE = `usage: npm run schemas -- <command> [--dir <folder>] [--registry <url>]

  check      compare every <subject>.avsc under the folder with the latest
             registered version of its subject, under the subject's
             compatibility level (default BACKWARD); exit 1 on a breaking change
  register   check, then register the schemas that changed
  codegen    write TypeScript types for the schemas (--out <file>,
             default <folder>/src/generated.ts)

  --dir       folder of .avsc files, searched recursively (default schemas/)
  --registry  Confluent-compatible registry URL (default $SCHEMA_REGISTRY_URL)`;

export async function main(argv: readonly string[], print: (line: string) => void = console.log): Promise<number> {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      dir: { type: 'string', default: 'schemas' },
      registry: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help === true) {
    print(USAGE);
    return 0;
  }
  const dir = values.dir;
  if (command === 'codegen') {
    const files = loadSchemaFiles(dir);
    const out = values.out ?? path.join(dir, 'src', 'generated.ts');
    writeFileSync(out, generateTypes(files, `${dir.replace(/\/+$/, '')}/*.avsc`));
    print(`schemas: wrote types for ${files.length} schemas to ${out}`);
    return 0;
  }
  if (command !== 'check' && command !== 'register') {
    print(`${command === undefined ? 'no command' : `unknown command "${command}"`}\n\n${USAGE}`);
    return 2;
  }
  const url = values.registry ?? process.env['SCHEMA_REGISTRY_URL'] ?? '';
  if (url === '') {
    print('schemas: no registry: pass --registry <url> or set SCHEMA_REGISTRY_URL (e.g. http://127.0.0.1:8081/apis/ccompat/v7)');
    return 2;
  }
  const files = loadSchemaFiles(dir);
  if (files.length === 0) {
    print(`schemas: no .avsc files under ${dir}`);
    return 2;
  }
  const registry = new RegistryClient({ url });
  print(`schemas: ${command} ${files.length} schemas in ${dir} against ${url}`);
  const reports = [];
  for (const file of files) {
    const report = await checkSubject(registry, file);
    reports.push(report);
    for (const line of formatReport(report)) print(line);
  }
  const broken = reports.filter(isBreaking);
  if (broken.length > 0) {
    const count = broken.reduce((n, r) => n + Math.max(1, r.violations.length), 0);
    print(`schemas: ${count} breaking change${count === 1 ? '' : 's'} in ${broken.map((r) => r.subject).join(', ')}${command === 'register' ? '; nothing registered' : ''}`);
    return 1;
  }
  if (command === 'check') {
    print(`schemas: all ${files.length} compatible`);
    return 0;
  }
  let registered = 0;
  for (const [i, file] of files.entries()) {
    if (reports[i]?.unchanged === true) continue;
    const id = await registry.register(file.subject, file.text);
    const latest = await registry.latest(file.subject);
    print(`registered ${file.subject} version ${latest?.version ?? '?'} (schema id ${id})`);
    registered++;
  }
  print(`schemas: registered ${registered}, unchanged ${files.length - registered}`);
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && path.resolve(process.argv[1]).replace(/\.[jt]s$/, '') === path.resolve(import.meta.filename).replace(/\.[jt]s$/, '');
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof AvroError ? `schemas: ${error.name} (${error.code}): ${error.message}` : error);
      process.exit(error instanceof AvroError && error.retriable ? 3 : 1);
    },
  );
}
