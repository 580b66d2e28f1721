/**
 * Rough CPU shares from /proc (Linux): user + system time of given pids,
 * of every PostgreSQL server process on the machine (shared with anything
 * else using that server), of this process, and of the whole machine.
 * A share is CPU seconds per wall second: 1.0 = one core busy.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { WatchedProcess } from './setup.js';

/** Kernel clock ticks per second (USER_HZ), 100 on every common Linux build. */
const TICKS_PER_SECOND = 100;

function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

function postgresTicks(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
    } catch {
      continue;
    }
    total += processTicks(Number(entry)) ?? 0;
  }
  return total;
}

/** Busy and total ticks of all CPUs together. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

export interface CpuSnapshot {
  readonly at: number;
  readonly processes: ReadonlyMap<string, number>;
  readonly postgres: number;
  /** This process, in microseconds. */
  readonly self: number;
  readonly machine: { busy: number; total: number };
}

export function cpuSnapshot(processes: readonly WatchedProcess[]): CpuSnapshot {
  const ticks = new Map<string, number>();
  for (const p of processes) {
    const t = processTicks(p.pid);
    if (t !== undefined) ticks.set(p.name, t);
  }
  const usage = process.cpuUsage();
  return { at: Date.now(), processes: ticks, postgres: postgresTicks(), self: usage.user + usage.system, machine: machineTicks() };
}

export interface CpuShares {
  /** Per watched process, then `bench` (this process) and `postgres (all)`. */
  readonly shares: readonly { name: string; cores: number }[];
  /** Busy share of all cores of the machine (0..1), whoever used them. */
  readonly machineBusy: number;
}

export function cpuBetween(from: CpuSnapshot, to: CpuSnapshot): CpuShares {
  const seconds = (to.at - from.at) / 1000;
  const shares: { name: string; cores: number }[] = [];
  for (const [name, ticks] of to.processes) {
    const before = from.processes.get(name);
    if (before !== undefined) shares.push({ name, cores: (ticks - before) / TICKS_PER_SECOND / seconds });
  }
  shares.push({ name: 'bench (load + watchers)', cores: (to.self - from.self) / 1e6 / seconds });
  shares.push({ name: 'postgres (all on the machine)', cores: (to.postgres - from.postgres) / TICKS_PER_SECOND / seconds });
  const total = to.machine.total - from.machine.total;
  return { shares, machineBusy: total > 0 ? (to.machine.busy - from.machine.busy) / total : 0 };
}
