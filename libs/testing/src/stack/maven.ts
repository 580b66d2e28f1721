import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackError } from './errors.js';

const run = promisify(execFile);

/** A Maven coordinate `groupId:artifactId:version`. */
export type MavenCoordinate = `${string}:${string}:${string}`;

async function mvn(args: string[], cwd: string): Promise<void> {
  try {
    await run('mvn', ['-B', '-q', ...args], { cwd, timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') {
      throw new StackError('NO_MAVEN', '`mvn` was not found on PATH', 'install Apache Maven (Debian: `apt-get install maven`)');
    }
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    const tail = output.split('\n').filter((l) => l.trim() !== '').slice(-15).join('\n');
    const unreachable = /Could not transfer|UnknownHost|Connection refused|timed out|Network is unreachable/i.test(output);
    throw new StackError(
      unreachable ? 'MAVEN_CENTRAL_UNREACHABLE' : 'MAVEN_FAILED',
      `mvn ${args.join(' ')} failed${unreachable ? ': Maven Central is unreachable' : ''}\n${tail}`,
      unreachable
        ? 'check the network or the proxy/mirror in ~/.m2/settings.xml; once fetched, jars are cached and reused offline'
        : 'run the mvn command above by hand in that folder to see the full error',
    );
  }
}

function pomFor(name: string, coordinates: readonly MavenCoordinate[]): string {
  const deps = coordinates
    .map((c) => {
      const [groupId, artifactId, version] = c.split(':');
      return `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
    })
    .join('\n');
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.tributary.stack</groupId>
  <artifactId>${name}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

const DONE = '.complete';

/**
 * Builds a cache entry in a private folder and renames it into place, so two
 * processes fetching at once never see (or leave) a half-written entry.
 */
async function intoPlace(dir: string, build: (work: string) => Promise<void>): Promise<void> {
  const work = `${dir}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    await build(work);
    if (existsSync(path.join(dir, DONE))) return;
    rmSync(dir, { recursive: true, force: true });
    renameSync(work, dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Resolves `coordinates` and all their runtime dependencies from Maven Central
 * into `<dir>/lib` (once: a marker file makes later calls free). Returns the
 * folder holding the jars, ready for a `lib/*` classpath.
 */
export async function resolveClasspath(dir: string, coordinates: readonly MavenCoordinate[]): Promise<string> {
  const lib = path.join(dir, 'lib');
  if (existsSync(path.join(dir, DONE))) return lib;
  await intoPlace(dir, async (work) => {
    writeFileSync(path.join(work, 'pom.xml'), pomFor(path.basename(dir), coordinates));
    await mvn(['dependency:copy-dependencies', `-DoutputDirectory=${path.join(work, 'lib')}`, '-DincludeScope=runtime'], work);
    writeFileSync(path.join(work, DONE), `${coordinates.join('\n')}\n`);
  });
  return lib;
}

/**
 * Fetches one archive artifact (e.g. `io.apicurio:apicurio-registry-app:3.3.3:tar.gz:all`)
 * and unpacks it into `dir` (once). Returns `dir`.
 */
export async function fetchArchive(dir: string, artifact: string): Promise<string> {
  if (existsSync(path.join(dir, DONE))) return dir;
  await intoPlace(dir, async (work) => {
    await mvn(['dependency:copy', `-Dartifact=${artifact}`, `-DoutputDirectory=${work}`], work);
    const archive = readdirSync(work).find((f) => f.endsWith('.tar.gz') || f.endsWith('.zip'));
    if (archive === undefined) throw new StackError('MAVEN_FAILED', `mvn fetched no archive for ${artifact}`);
    const archivePath = path.join(work, archive);
    if (archive.endsWith('.zip')) await run('unzip', ['-q', archivePath, '-d', work]);
    else await run('tar', ['xzf', archivePath, '-C', work]);
    rmSync(archivePath);
    writeFileSync(path.join(work, DONE), `${artifact}\n`);
  });
  return dir;
}
