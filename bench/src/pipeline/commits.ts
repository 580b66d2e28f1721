/**
 * How often and how long each operator commits, from its /metrics: the
 * stream operators' transactions (`tributary_commits_total`,
 * `tributary_commit_seconds`) and the sink's PostgreSQL transactions
 * (`tributary_sink_transactions_total{outcome="committed"}`,
 * `tributary_sink_transaction_seconds`). Each committed transaction is what
 * makes a batch of outputs visible, so its cadence and duration are a large
 * part of each stage's latency.
 */
import type { LocalPipeline } from '../../../e2e/src/pipeline/local-pipeline.js';
import { scrape, sumOf } from '../../../e2e/src/pipeline/metrics.js';

const COMMITTERS = ['enrich', 'aggregate', 'score', 'sink'] as const;
type Committer = (typeof COMMITTERS)[number];

export interface CommitCounters {
  readonly at: number;
  readonly counters: ReadonlyMap<Committer, { commits: number; seconds: number }>;
}

export async function commitCounters(pipeline: LocalPipeline): Promise<CommitCounters> {
  const at = Date.now();
  const entries = await Promise.all(
    COMMITTERS.map(async (name) => {
      const samples = await scrape(pipeline.url(name));
      const counters =
        name === 'sink'
          ? { commits: sumOf(samples, 'tributary_sink_transactions_total', { outcome: 'committed' }), seconds: sumOf(samples, 'tributary_sink_transaction_seconds_sum') }
          : { commits: sumOf(samples, 'tributary_commits_total'), seconds: sumOf(samples, 'tributary_commit_seconds_sum') };
      return [name, counters] as const;
    }),
  );
  return { at, counters: new Map(entries) };
}

export interface CommitRate {
  readonly name: Committer;
  /** Committed transactions per second (all of the operator's tasks together). */
  readonly perSecond: number;
  /** Mean time of one commit, ms. */
  readonly meanMs: number;
}

export function commitRates(from: CommitCounters, to: CommitCounters): CommitRate[] {
  const seconds = (to.at - from.at) / 1000;
  return COMMITTERS.map((name) => {
    const a = from.counters.get(name) ?? { commits: 0, seconds: 0 };
    const b = to.counters.get(name) ?? { commits: 0, seconds: 0 };
    const commits = b.commits - a.commits;
    return { name, perSecond: commits / seconds, meanMs: commits > 0 ? ((b.seconds - a.seconds) / commits) * 1000 : 0 };
  });
}
