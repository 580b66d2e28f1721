import type { LocalPipeline, OperatorName } from '../../src/pipeline/local-pipeline.js';
import { OPERATORS } from '../../src/pipeline/local-pipeline.js';
import { Random } from '../../src/simulator/index.js';

export interface ChaosEvent {
  readonly operator: OperatorName;
  /** `running`: killed while processing; `starting`: killed after it listened but before it was ready (assignment/restore). */
  readonly phase: 'running' | 'starting';
  readonly at: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const readyNow = async (url: string | undefined): Promise<boolean> =>
  url === undefined ? false : await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);

/**
 * SIGKILLs operators in a seeded random order (each operator once per
 * round, `rounds` rounds) every `intervalMs`, restarting each at once; the
 * operators in `duringStart` are killed a second time as soon as the
 * restarted process listens, before it is ready (while it joins the group
 * and restores its state).
 */
export async function chaosLoop(
  pipeline: LocalPipeline,
  options: { seed: number; rounds: number; intervalMs: number; duringStart: readonly OperatorName[]; stopped?: () => boolean },
): Promise<ChaosEvent[]> {
  const random = new Random(options.seed);
  const events: ChaosEvent[] = [];
  const schedule: OperatorName[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const order = [...OPERATORS];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random.next() * (i + 1));
      [order[i], order[j]] = [order[j] as OperatorName, order[i] as OperatorName];
    }
    schedule.push(...order);
  }
  for (const operator of schedule) {
    if (options.stopped?.() === true) break;
    await sleep(options.intervalMs);
    const restarted = await pipeline.restart(operator);
    events.push({ operator, phase: 'running', at: Date.now() });
    if (options.duringStart.includes(operator) && !events.some((e) => e.operator === operator && e.phase === 'starting')) {
      // Listening, not ready yet: the kill lands in assignment or restore.
      if (!(await readyNow(restarted.listeningUrl))) {
        await pipeline.restart(operator);
        events.push({ operator, phase: 'starting', at: Date.now() });
      }
    }
  }
  return events;
}
