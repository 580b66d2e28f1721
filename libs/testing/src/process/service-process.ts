import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let setprivAvailable: boolean | undefined;
function hasSetpriv(): boolean {
  setprivAvailable ??= spawnSync('setpriv', ['--help'], { stdio: 'ignore' }).status === 0;
  return setprivAvailable;
}

/** The repository root (this file is libs/testing/src/process/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export interface ServiceProcessOptions {
  /** Entry file, absolute or relative to the repository root (e.g. `services/enrich/src/main.ts`). */
  readonly entry: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Name in diagnostics; default the entry's folder. */
  readonly name?: string;
  /** Keep this many output lines for diagnosis (default 400). */
  readonly keepLines?: number;
  /** Called for every output line (stdout and stderr). */
  readonly onLine?: (line: string) => void;
}

/**
 * An operator service (or any TypeScript entry) in its own Node process, run
 * from source with tsx, so tests can SIGKILL, SIGSTOP or SIGTERM it. It
 * learns the service's URL from the shell's pino `listening` line and keeps
 * the last output lines for diagnosis.
 */
export class ServiceProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly lines: string[] = [];
  #url: string | undefined;
  #urlWaiters: ((url: string) => void)[] = [];

  constructor(options: ServiceProcessOptions) {
    const entry = path.isAbsolute(options.entry) ? options.entry : path.join(REPO_ROOT, options.entry);
    this.name = options.name ?? path.basename(path.dirname(path.dirname(entry)));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v;
    // Tied to this process with a parent-death signal (Linux): a test runner or
    // `npm start` that dies, even by SIGKILL, leaves no operator behind.
    const node = [process.execPath, '--import', 'tsx', '--conditions=source', entry];
    const tie = hasSetpriv();
    this.child = spawn(tie ? 'setpriv' : process.execPath, tie ? ['--pdeathsig', 'KILL', '--', ...node] : node.slice(1), {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = options.keepLines ?? 400;
    const onChunk = (buffered: { rest: string }) => (chunk: Buffer) => {
      const text = buffered.rest + chunk.toString();
      const parts = text.split('\n');
      buffered.rest = parts.pop() ?? '';
      for (const line of parts) {
        this.lines.push(line);
        if (this.lines.length > keep) this.lines.shift();
        options.onLine?.(line);
        if (this.#url === undefined && line.includes('"listening"')) {
          try {
            const url = (JSON.parse(line) as { url?: string }).url;
            if (url !== undefined) {
              this.#url = url;
              for (const w of this.#urlWaiters.splice(0)) w(url);
            }
          } catch {
            // not a JSON line
          }
        }
      }
    };
    this.child.stdout?.on('data', onChunk({ rest: '' }));
    this.child.stderr?.on('data', onChunk({ rest: '' }));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The URL from the `listening` line, if it has been seen. */
  get listeningUrl(): string | undefined {
    return this.#url;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The service's base URL, once it listens. Rejects if the process exits first. */
  async url(timeoutMs = 120_000): Promise<string> {
    if (this.#url !== undefined) return this.#url;
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not listen within ${timeoutMs} ms:\n${this.tail()}`)), timeoutMs);
      this.#urlWaiters.push((url) => {
        clearTimeout(timer);
        resolve(url);
      });
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited (code ${String(code)}, signal ${String(signal)}) before listening:\n${this.tail()}`));
      });
    });
  }

  /** Resolves once `/readyz` answers 200 (polling), rejects if the process exits or the time runs out. */
  async ready(timeoutMs = 120_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    const url = await this.url(timeoutMs);
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`${this.name} exited before it was ready:\n${this.tail()}`);
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return url;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.tail()}`);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.alive) this.child.kill(signal);
  }

  /** SIGTERM (after SIGCONT, in case it was stopped), SIGKILL after `graceMs`; reports the exit and whether it had to be killed. */
  async stop(graceMs = 30_000): Promise<{ code: number | null; killed: boolean; seconds: number }> {
    const started = Date.now();
    if (!this.alive) return { code: this.child.exitCode, killed: false, seconds: 0 };
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    const result = await Promise.race([this.exited, timeout]);
    if (result !== 'timeout') return { code: result.code, killed: false, seconds: (Date.now() - started) / 1000 };
    this.child.kill('SIGKILL');
    const after = await this.exited;
    return { code: after.code, killed: true, seconds: (Date.now() - started) / 1000 };
  }

  /** The last output lines, for error messages. */
  tail(lines = 40): string {
    return this.lines.slice(-lines).join('\n');
  }
}
