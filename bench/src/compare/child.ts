/**
 * One app under test as a child process (the Java app or tributary-app.ts):
 * its stdout lines can be awaited, its peak RSS is sampled from
 * /proc/<pid>/status (VmHWM) while it runs, and `stop()` sends SIGTERM and
 * waits for the exit. Stderr goes to the bench's stderr, prefixed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export class Child {
  private readonly process: ChildProcess;
  private readonly lines: string[] = [];
  private readonly waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exit: Promise<void>;
  private peakKb = 0;
  private readonly sampler: NodeJS.Timeout;

  constructor(
    readonly label: string,
    command: string,
    args: readonly string[],
  ) {
    this.process = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    createInterface({ input: this.process.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      this.lines.push(line);
      for (const w of [...this.waiters]) {
        if (w.match(line)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    });
    createInterface({ input: this.process.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      if (process.env['BENCH_DEBUG'] || (/error|exception|fail/i.test(line) && !line.startsWith('SLF4J'))) console.error(`  [${label}] ${line}`);
    });
    this.exit = new Promise((resolve) => {
      this.process.on('exit', (code, signal) => {
        this.exited = { code, signal };
        resolve();
      });
    });
    this.sampler = setInterval(() => this.sample(), 200);
  }

  /** Peak resident set size so far, MB (the kernel's high-water mark: nothing between samples is missed). */
  get peakRssMb(): number {
    this.sample();
    return this.peakKb / 1024;
  }

  private sample(): void {
    if (this.exited !== undefined || this.process.pid === undefined) return;
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.process.pid}/status`, 'utf8'));
      if (m !== null) this.peakKb = Math.max(this.peakKb, Number(m[1]));
    } catch {
      // Exited between the check and the read.
    }
  }

  /** Throws when the child has exited (the bench cannot measure a dead app). */
  assertAlive(): void {
    if (this.exited !== undefined) throw new Error(`${this.label} exited early (code ${this.exited.code}, signal ${this.exited.signal})`);
  }

  /** The first stdout line (already seen or coming) matching `pattern`. */
  async line(pattern: RegExp, timeoutMs = 300_000): Promise<string> {
    const seen = this.lines.find((l) => pattern.test(l));
    if (seen !== undefined) return seen;
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.label}: no line matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
      void this.exit.then(() => {
        clearTimeout(timer);
        reject(new Error(`${this.label} exited (code ${this.exited?.code}, signal ${this.exited?.signal}) before printing ${pattern}`));
      });
      this.waiters.push({
        match: (l) => pattern.test(l),
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once exited. */
  async stop(graceMs = 40_000): Promise<void> {
    this.sample();
    clearInterval(this.sampler);
    if (this.exited !== undefined) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }
}
