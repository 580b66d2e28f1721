import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../../..');

/** A stream app running in its own Node process (so it can be SIGKILLed), with its output kept for diagnosis. */
export class AppProcess {
  readonly child: ChildProcess;
  readonly log: string[] = [];
  #ready = false;
  #restoring = false;
  #tasks: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(fixture: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', '--conditions=source', path.join(here, '..', 'fixtures', fixture)], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (text.includes('ready')) this.#ready = true;
      if (text.includes('restoring')) this.#restoring = true;
      for (const match of text.matchAll(/tasks \[([^\]]*)\]/g)) this.#tasks = match[1] === '' ? [] : (match[1] ?? '').split(',');
      this.log.push(text);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => this.log.push(chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** The tasks the app last reported running. */
  get tasks(): readonly string[] {
    return this.#tasks;
  }

  /** True once the app said it started restoring a store from its changelog. */
  get restoring(): boolean {
    return this.#restoring;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code and whether it had to be killed. */
  async stop(graceMs = 30_000): Promise<{ code: number | null; killed: boolean }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return { code: this.child.exitCode, killed: false };
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    const result = await Promise.race([this.exited, timeout]);
    if (result !== 'timeout') return { code: result, killed: false };
    this.child.kill('SIGKILL');
    return { code: await this.exited, killed: true };
  }

  tail(lines = 20): string {
    return this.log.join('').split('\n').slice(-lines).join('\n');
  }
}
