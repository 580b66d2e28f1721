/**
 * Area under the ROC curve by the Mann–Whitney U statistic: the probability
 * that a random positive scores above a random negative, ties counting one
 * half (average ranks).
 */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  if (labels.length !== n) throw new RangeError(`${n} scores for ${labels.length} labels`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    // A run of tied scores shares the average of its ranks (1-based).
    let j = i;
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const averageRank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) {
      if (labels[order[k] as number] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) throw new RangeError(`AUC needs both classes (${positives} positives, ${negatives} negatives)`);
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
