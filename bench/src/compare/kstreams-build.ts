/**
 * Builds the Kafka Streams reference (bench/kstreams) once per source
 * version: the pom and Java sources are copied to
 * `<cache>/kstreams-bench/<hash of them>/` (never built inside the repository)
 * and packaged there with `mvn -q -o package` (offline, from ~/.m2); if the
 * offline build cannot resolve something, once more online. A marker file
 * makes later runs free.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { cacheDir } from '@tributary/testing';

const run = promisify(execFile);

/** bench/kstreams in the repository. */
export const KSTREAMS_SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../kstreams');

/** The built app: a classpath for `java -cp`. */
export interface KStreamsBuild {
  readonly classpath: string;
  readonly dir: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'target') out.push(...sourceFiles(full));
    } else out.push(full);
  }
  return out.sort();
}

async function mvn(args: string[], cwd: string): Promise<{ ok: true } | { ok: false; output: string }> {
  try {
    await run('mvn', ['-B', '-q', ...args], { cwd, timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 });
    return { ok: true };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('`mvn` was not found on PATH: install Apache Maven (Debian: apt-get install maven) to build bench/kstreams');
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

export async function buildKStreams(log: (line: string) => void): Promise<KStreamsBuild> {
  const files = sourceFiles(KSTREAMS_SOURCE);
  const hash = createHash('sha256');
  for (const f of files) hash.update(path.relative(KSTREAMS_SOURCE, f)).update('\0').update(readFileSync(f)).update('\0');
  const dir = path.join(cacheDir(), 'kstreams-bench', hash.digest('hex').slice(0, 16));
  const classpath = `${path.join(dir, 'target', 'kstreams-bench.jar')}:${path.join(dir, 'target', 'lib', '*')}`;
  if (existsSync(path.join(dir, '.complete'))) return { classpath, dir };

  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    const to = path.join(dir, path.relative(KSTREAMS_SOURCE, f));
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(f, to);
  }
  log(`bench: building bench/kstreams in ${dir} (mvn -q -o package)…`);
  let result = await mvn(['-o', 'package'], dir);
  if (!result.ok) {
    log('bench: the offline Maven build could not resolve everything; building online…');
    result = await mvn(['package'], dir);
  }
  if (!result.ok) {
    const tail = result.output.split('\n').filter((l) => l.trim() !== '').slice(-15).join('\n');
    throw new Error(`building bench/kstreams failed (mvn package in ${dir}):\n${tail}`);
  }
  writeFileSync(path.join(dir, '.complete'), `${files.map((f) => path.relative(KSTREAMS_SOURCE, f)).join('\n')}\n`);
  return { classpath, dir };
}
