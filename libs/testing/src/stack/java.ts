import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackError } from './errors.js';

const run = promisify(execFile);

/** A Java runtime found on this machine. */
export interface JavaRuntime {
  /** Path of the `java` executable. */
  readonly bin: string;
  /** Feature release, e.g. 17 or 25. */
  readonly major: number;
  readonly version: string;
}

/** Reads the version a `java` binary reports; undefined when it does not run. */
export async function probeJava(bin: string): Promise<JavaRuntime | undefined> {
  try {
    const { stderr, stdout } = await run(bin, ['-version'], { timeout: 20_000 });
    const match = /version "([^"]+)"/.exec(stderr + stdout);
    if (match?.[1] === undefined) return undefined;
    const version = match[1];
    const parts = version.split(/[.+-]/);
    const major = parts[0] === '1' ? Number(parts[1]) : Number(parts[0]);
    return Number.isFinite(major) ? { bin, major, version } : undefined;
  } catch {
    return undefined;
  }
}

function candidateBins(): string[] {
  const bins: string[] = [];
  const javaHome = process.env['JAVA_HOME'];
  if (javaHome !== undefined && javaHome !== '') bins.push(path.join(javaHome, 'bin', 'java'));
  bins.push('java');
  for (const root of ['/usr/lib/jvm', '/opt/java', '/usr/local/lib/jvm']) {
    if (!existsSync(root)) continue;
    for (const entry of readdirSync(root).sort().reverse()) {
      const bin = path.join(root, entry, 'bin', 'java');
      if (existsSync(bin)) bins.push(bin);
    }
  }
  return bins;
}

/**
 * The Java the broker runs on: `JAVA_HOME`'s, else the one on PATH.
 * Fails with what to install when there is none or it is older than `min`.
 */
export async function defaultJava(min = 17): Promise<JavaRuntime> {
  const javaHome = process.env['JAVA_HOME'];
  const bin = javaHome !== undefined && javaHome !== '' ? path.join(javaHome, 'bin', 'java') : 'java';
  const found = await probeJava(bin);
  if (found === undefined) {
    throw new StackError(
      'NO_JAVA',
      `no Java runtime found (tried \`${bin} -version\`)`,
      `install a JDK ${min} or newer (Debian: \`apt-get install openjdk-17-jdk-headless\`) or set JAVA_HOME`,
    );
  }
  if (found.major < min) {
    throw new StackError(
      'JAVA_TOO_OLD',
      `Java ${found.version} at ${found.bin} is older than ${min}`,
      `install a JDK ${min} or newer, or point JAVA_HOME at one`,
    );
  }
  return found;
}

/** The newest Java on this machine whose major version is at least `min`, if any. */
export async function findJava(min: number): Promise<JavaRuntime | undefined> {
  let best: JavaRuntime | undefined;
  for (const bin of candidateBins()) {
    const found = await probeJava(bin);
    if (found !== undefined && found.major >= min && (best === undefined || found.major > best.major)) best = found;
  }
  return best;
}
