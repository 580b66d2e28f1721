/**
 * Whether the pipeline sustained a phase's rate. Held means both:
 *
 * - ingest kept up: it acknowledged ≥ 97 % of the offered readings per
 *   second of the phase, and the last batch within the phase + 1 s;
 * - the backlog stayed bounded: the readings accepted but not yet visible
 *   enriched (median of the last 5 one-second samples) are at most one
 *   second's worth of readings at the end, and did not grow by more than a
 *   quarter second's worth over the second half of the phase (end against
 *   the samples around its middle); the stream operators' consumer lag
 *   (enrich + aggregate + score) is at most one second's worth at the end.
 *
 * A pipeline that falls behind accumulates (offered − processed) × seconds
 * of backlog, so over a 30 s step a few per cent of deficit already shows.
 * The consumer-lag gauges alone would not: each is set right after a fetch,
 * and a fetch takes everything up to 1 MB per partition, so they stay near
 * zero until the backlog is larger than that.
 */
import { streamBacklog, type BacklogSample } from './backlog.js';
import type { LoadPhase, PhaseFeed } from './load.js';

export interface PhaseVerdict {
  readonly held: boolean;
  /** Readings acknowledged per second of the phase. */
  readonly acceptedPerSecond: number;
  /** enrich + aggregate + score lag at the end (median of the last samples). */
  readonly backlogAtEnd: number;
  readonly unenrichedAtEnd: number;
  /** Readings not yet enriched around the middle of the phase (median of 5 samples). */
  readonly unenrichedAtMiddle: number;
  /** Largest stream backlog sampled during the phase. */
  readonly backlogMax: number;
  /** Why it did not hold (empty when it did). */
  readonly reasons: readonly string[];
}

const median = (values: readonly number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

export function judgePhase(phase: LoadPhase, feed: PhaseFeed, samples: readonly BacklogSample[]): PhaseVerdict {
  const rate = phase.readingsPerSecond;
  const acceptedPerSecond = feed.accepted / phase.seconds;
  const last = samples.slice(-5);
  const backlogAtEnd = median(last.map(streamBacklog));
  const unenrichedAtEnd = median(last.map((s) => s.readingsInFlight));
  const middle = Math.floor(samples.length / 2);
  const unenrichedAtMiddle = median(samples.slice(Math.max(0, middle - 2), middle + 3).map((s) => s.readingsInFlight));
  const backlogMax = Math.max(0, ...samples.map(streamBacklog));
  const reasons: string[] = [];
  if (!feed.completed || feed.accepted < 0.97 * feed.offered) reasons.push(`ingest acknowledged ${feed.accepted} of ${feed.offered} readings in time`);
  else if (feed.seconds > phase.seconds + 1) reasons.push(`ingest took ${feed.seconds.toFixed(1)} s for a ${phase.seconds} s phase`);
  if (backlogAtEnd > rate) reasons.push(`stream backlog ${Math.round(backlogAtEnd)} records at the end (> 1 s of readings)`);
  if (unenrichedAtEnd > rate) reasons.push(`${Math.round(unenrichedAtEnd)} accepted readings not yet enriched at the end (> 1 s of readings)`);
  else if (unenrichedAtEnd - unenrichedAtMiddle > rate / 4) {
    reasons.push(`readings not yet enriched grew from ${Math.round(unenrichedAtMiddle)} to ${Math.round(unenrichedAtEnd)} over the second half (> 0.25 s of readings)`);
  }
  return { held: reasons.length === 0, acceptedPerSecond, backlogAtEnd, unenrichedAtEnd, unenrichedAtMiddle, backlogMax, reasons };
}
