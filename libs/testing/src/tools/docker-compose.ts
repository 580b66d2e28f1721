import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { StackError } from '../stack/errors.js';
import { sharedLookup } from './shared-lookup.js';

const run = promisify(execFile);

/** The Debian package that carries Compose 1.29 (`docker-compose`, Python): it validates files with no Docker engine. */
export const DOCKER_COMPOSE_PACKAGE = 'docker-compose';

const lookup = sharedLookup(locate);

/**
 * The path of a runnable `docker-compose`: the first one on `PATH`, else —
 * when this process runs as root, as on CI machines — Debian's package,
 * installed with `apt-get install -y docker-compose` (after `apt-get update`
 * when apt knows no candidate yet). `docker-compose config` needs no Docker
 * engine, so tests can validate compose files on machines without one.
 *
 * apt waits for the dpkg lock, so concurrent callers in several processes
 * are safe; within one process the first call's promise is shared.
 *
 * Throws a {@link StackError} (`DOCKER_COMPOSE_MISSING` or
 * `DOCKER_COMPOSE_INSTALL_FAILED`) saying what to install.
 */
export async function dockerComposeBinary(): Promise<string> {
  return lookup();
}

async function locate(): Promise<string> {
  const found = onPath('docker-compose');
  if (found !== undefined) return found;
  if (process.getuid?.() !== 0) {
    throw new StackError(
      'DOCKER_COMPOSE_MISSING',
      '`docker-compose` is not on PATH (and this process is not root, so it does not install it)',
      `Debian/Ubuntu: \`sudo apt-get install ${DOCKER_COMPOSE_PACKAGE}\` (Compose 1.29); elsewhere install Docker Compose and put \`docker-compose\` on PATH`,
    );
  }
  try {
    if (!(await aptHasCandidate())) await apt(['update']);
    await apt(['install', '-y', '--no-install-recommends', DOCKER_COMPOSE_PACKAGE]);
  } catch (error) {
    throw new StackError(
      'DOCKER_COMPOSE_INSTALL_FAILED',
      `\`apt-get install ${DOCKER_COMPOSE_PACKAGE}\` failed: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`,
      'check the apt sources and network, or install docker-compose by hand',
    );
  }
  const installed = onPath('docker-compose');
  if (installed === undefined) {
    throw new StackError('DOCKER_COMPOSE_INSTALL_FAILED', `${DOCKER_COMPOSE_PACKAGE} was installed but \`docker-compose\` is not on PATH (${process.env['PATH'] ?? ''})`, 'add /usr/bin to PATH');
  }
  return installed;
}

async function aptHasCandidate(): Promise<boolean> {
  try {
    const { stdout } = await run('apt-cache', ['policy', DOCKER_COMPOSE_PACKAGE], { timeout: 60_000 });
    const candidate = /Candidate:\s*(\S+)/.exec(stdout)?.[1];
    return candidate !== undefined && candidate !== '(none)';
  } catch {
    return false;
  }
}

async function apt(args: readonly string[]): Promise<void> {
  // Another process installing at the same moment holds the dpkg lock: wait for it instead of failing.
  await run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
    timeout: 600_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    maxBuffer: 16 * 1024 * 1024,
  });
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
