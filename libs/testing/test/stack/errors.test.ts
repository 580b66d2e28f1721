import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StackError } from '../../src/stack/errors.js';
import { defaultJava } from '../../src/stack/java.js';
import { resolveClasspath } from '../../src/stack/maven.js';
import { assertPortFree, freePort } from '../../src/stack/ports.js';

const saved = { ...process.env };
const dirs: string[] = [];
afterEach(() => {
  process.env = { ...saved };
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'stack-errors-'));
  dirs.push(d);
  return d;
}

/** A `java` that prints the version banner of another release. */
function fakeJavaHome(banner: string): string {
  const home = tempDir();
  mkdirSync(path.join(home, 'bin'));
  const bin = path.join(home, 'bin', 'java');
  writeFileSync(bin, `#!/bin/sh\necho '${banner}' >&2\n`);
  chmodSync(bin, 0o755);
  return home;
}

describe('stack launcher errors', () => {
  it('names the port and how to find its owner when a port is in use', async () => {
    const server = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const error = await assertPortFree(port, 'Kafka client listener').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StackError);
      expect((error as StackError).code).toBe('PORT_IN_USE');
      expect((error as StackError).message).toContain(`port ${port} (Kafka client listener) is already in use`);
      expect((error as StackError).message).toContain('ss -ltnp');
    } finally {
      server.close();
    }
  });

  it('accepts a free port', async () => {
    await expect(assertPortFree(await freePort(), 'x')).resolves.toBeUndefined();
  });

  it('refuses a Java older than 17 and says what to install', async () => {
    process.env['JAVA_HOME'] = fakeJavaHome('openjdk version "11.0.22" 2024-01-16');
    const error = (await defaultJava(17).catch((e: unknown) => e)) as StackError;
    expect(error.code).toBe('JAVA_TOO_OLD');
    expect(error.message).toMatch(/Java 11\.0\.22 at .* is older than 17/);
    expect(error.hint).toMatch(/JDK 17 or newer/);
  });

  it('reads Java 8 style version strings', async () => {
    process.env['JAVA_HOME'] = fakeJavaHome('java version "1.8.0_392"');
    const error = (await defaultJava(17).catch((e: unknown) => e)) as StackError;
    expect(error.code).toBe('JAVA_TOO_OLD');
    expect(error.message).toContain('Java 1.8.0_392');
  });

  it('says so when there is no Java at all', async () => {
    process.env['JAVA_HOME'] = tempDir();
    const error = (await defaultJava(17).catch((e: unknown) => e)) as StackError;
    expect(error.code).toBe('NO_JAVA');
    expect(error.hint).toMatch(/install a JDK 17/);
  });

  it('says to install Maven when mvn is not on PATH', async () => {
    process.env['PATH'] = tempDir();
    const error = (await resolveClasspath(path.join(tempDir(), 'x'), ['org.example:none:1']).catch((e: unknown) => e)) as StackError;
    expect(error).toBeInstanceOf(StackError);
    expect(error.code).toBe('NO_MAVEN');
    expect(error.hint).toContain('apt-get install maven');
  });
});
