import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a server process relates to the Node process that starts it. */
export type Lifetime =
  /** Dies with the starter, even on SIGKILL (tests: nothing is left behind). */
  | 'tied'
  /** Outlives the starter until stopped by pid (the CLI's `stack up`). */
  | 'detached';

export interface ServerProcessOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** stdout and stderr go here, appended. */
  readonly logFile: string;
  readonly lifetime: Lifetime;
}

let setprivAvailable: boolean | undefined;
function hasSetpriv(): boolean {
  setprivAvailable ??= spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;
  return setprivAvailable;
}

/** True while a process with this pid exists (and is not a zombie of ours). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

/**
 * Stops a process: SIGTERM, then SIGKILL if it is still there after `graceMs`.
 * Resolves once it is gone.
 */
export async function stopPid(pid: number, graceMs = 20_000): Promise<void> {
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(pid, s);
    } catch {
      /* already gone */
    }
  };
  if (!isAlive(pid)) return;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (!isAlive(pid)) return;
  signal('SIGKILL');
  while (isAlive(pid)) await sleep(50);
}

/** Last `lines` lines of a log file (empty when it does not exist). */
export function logTail(file: string, lines = 30): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  return text.split('\n').slice(-lines - 1).join('\n');
}

/** A long-running server (broker, registry) started from a command line. */
export class ServerProcess {
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or null after a signal) when the process ends. */
  readonly exited: Promise<number | null>;
  #exitCode: number | null | undefined;

  private constructor(pid: number, logFile: string, exited: Promise<number | null>) {
    this.pid = pid;
    this.logFile = logFile;
    this.exited = exited.then((code) => {
      this.#exitCode = code;
      return code;
    });
  }

  static start(options: ServerProcessOptions): ServerProcess {
    const out = openSync(options.logFile, 'a');
    // A parent-death signal (Linux) makes a tied server die with the test
    // runner even when the runner itself is SIGKILLed.
    const tie = options.lifetime === 'tied' && hasSetpriv();
    const command = tie ? 'setpriv' : options.command;
    const args = tie ? ['--pdeathsig', 'KILL', '--', options.command, ...options.args] : [...options.args];
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', out, out],
      detached: options.lifetime === 'detached',
    });
    closeSync(out);
    if (child.pid === undefined) throw new Error(`could not start ${options.command}`);
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(-1));
    });
    if (options.lifetime === 'detached') child.unref();
    return new ServerProcess(child.pid, options.logFile, exited);
  }

  get running(): boolean {
    return this.#exitCode === undefined && isAlive(this.pid);
  }

  async stop(graceMs?: number): Promise<void> {
    await stopPid(this.pid, graceMs);
  }

  logTail(lines?: number): string {
    return logTail(this.logFile, lines);
  }
}
