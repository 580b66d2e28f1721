/** MODEL_CARD.md for the fraud risk model: what it predicts, from what, how well, how the pipeline uses it, where it stops. Every figure comes from the training result. */
import { DECLINE_THRESHOLD, FRAUD_FEATURES, FRAUD_HORIZON_MINUTES, REVIEW_THRESHOLD, type EvaluationFigures, type FraudTrainingResult } from './fraud-model.js';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const fixed = (x: number, digits = 4) => x.toFixed(digits);

function thresholdTable(figures: EvaluationFigures): string[] {
  return [
    '| threshold | flagged | precision | recall | legitimate payments flagged |',
    '|---|---|---|---|---|',
    ...figures.thresholds.map((t) => {
      const role = t.threshold === REVIEW_THRESHOLD ? ' (REVIEW)' : t.threshold === DECLINE_THRESHOLD ? ' (DECLINE)' : '';
      return `| ${t.threshold}${role} | ${t.flagged} | ${t.precision === null ? '–' : pct(t.precision)} | ${pct(t.recall)} | ${pct(t.falsePositiveRate)} |`;
    }),
  ];
}

function patternTable(figures: EvaluationFigures): string[] {
  return [
    `| pattern | fraud payments | flagged at ${REVIEW_THRESHOLD} | episodes (cards) | episodes with a payment flagged |`,
    '|---|---|---|---|---|',
    ...figures.patterns.map((p) => `| ${p.pattern} | ${p.payments} | ${p.paymentsFlagged} (${pct(p.paymentsFlagged / Math.max(1, p.payments))}) | ${p.episodes} | ${p.episodesFlagged} |`),
  ];
}

function headline(figures: EvaluationFigures, what: string): string {
  const review = figures.thresholds.find((t) => t.threshold === REVIEW_THRESHOLD);
  const decline = figures.thresholds.find((t) => t.threshold === DECLINE_THRESHOLD);
  if (review === undefined || decline === undefined) throw new RangeError('no figures at the REVIEW or DECLINE threshold');
  const p = (x: number | null) => (x === null ? 'none (nothing flagged)' : pct(x));
  return `- **${what}: AUC ${fixed(figures.auc)}; at the threshold ${REVIEW_THRESHOLD} precision ${p(review.precision)}, recall ${pct(review.recall)}** (${review.flagged} of ${figures.payments} payments flagged, ${figures.fraudPayments} fraudulent; ${pct(review.falsePositiveRate)} of the legitimate payments flagged); at ${DECLINE_THRESHOLD} precision ${p(decline.precision)}, recall ${pct(decline.recall)}.`;
}

export function fraudModelCard(result: FraudTrainingResult, command: string): string {
  const { metadata, model, options, train, heldOut, check } = result;
  const lines = [
    `# Model card: ${metadata.name} ${metadata.version}`,
    '',
    'Predicts whether a card payment is fraudulent, from the payment and its card\'s look-back features (`fraud.payment-features`, written by the aggregate operator in `AGGREGATE_MODE=lookback`), at authorisation time.',
    `Logistic regression on standardized features, run by the score operator in \`SCORE_MODE=records\`, which writes one \`Decision\` per payment to \`fraud.decisions\`: **APPROVE** below ${REVIEW_THRESHOLD}, **REVIEW** at or above ${REVIEW_THRESHOLD} (\`ALERT_THRESHOLD\`, model.json's \`threshold\`), **DECLINE** at or above ${DECLINE_THRESHOLD} (\`CRITICAL_THRESHOLD\`).`,
    '',
    '## Files',
    '',
    '| file | what |',
    '|---|---|',
    '| `model.onnx` | ONNX: input `features` float32 [N, 8] → output `risk` [N, 1] (sigmoid) and `contributions` [N, 8] (each standardized feature × its weight: its share of the logit, used for reasons). metadata_props: name, version, features, horizonMinutes. |',
    `| \`model.json\` | the sidecar the operator reads: features in input order and their expressions (the default \`FEATURES\`), threshold, the training rows' event-time range, the held-out figures, and each feature's training distribution (decile bins) for the drift metrics (\`tributary_score_feature_psi\`). \`horizonMinutes\` is ${FRAUD_HORIZON_MINUTES} only because the model contract requires a positive value: the label is about the payment itself. |`,
    '',
    '## Features',
    '',
    'Each is a field of PaymentFeatures, read by the operator by path (the `FEATURES` mapping is the default when `FEATURES` is unset). A null (`kmFromLast` for a card\'s first located payment or an online one; `creditLimit` for an unknown card) gives `FEATURE_NULL_VALUE` (0), in training as in serving.',
    '',
    '| # | name | expression | unit | meaning | mean | std | weight |',
    '|---|---|---|---|---|---|---|---|',
    ...FRAUD_FEATURES.map(
      (f, i) => `| ${i} | \`${f.name}\` | \`${f.expression}\` | ${f.unit} | ${f.meaning} | ${fixed(model.mean[i] as number)} | ${fixed(model.std[i] as number)} | ${fixed(model.weights[i] as number)} |`,
    ),
    '',
    `Bias ${fixed(model.bias)}. Weights apply to standardized values ((x − mean) / std, training-set statistics).`,
    '',
    '## Training data',
    '',
    `Simulated by \`simulatePayments\` (\`e2e/src/fraud\`), seed **${options.seed}**: ${options.cards} cards × ${options.days} days from ${new Date(options.startTime).toISOString()}, ${pct(options.fraudShare)} of the cards with one fraud episode (card testing, impossible travel or big spend near the credit limit; see e2e/src/fraud/README.md), other options at the simulator's defaults (2 % unknown cards, 3 % travelling holders). Features are the oracle's (\`expectedFeatures\`: exactly what the aggregate writes); the label is the simulator's ground truth per payment.`,
    ...(metadata.trainingData === undefined ? [] : [`The training payments span ${metadata.trainingData.from} to ${metadata.trainingData.to} (event time); the first day has less than 24 h of history per card, as a freshly started pipeline has.`]),
    '',
    '| | cards | payments | fraudulent |',
    '|---|---|---|---|',
    `| train | ${train.cards} | ${train.payments} | ${train.fraudPayments} (${pct(train.fraudPayments / train.payments)}) |`,
    `| held out | ${heldOut.cards} | ${heldOut.payments} | ${heldOut.fraudPayments} (${pct(heldOut.fraudPayments / heldOut.payments)}) |`,
    '',
    `Held-out cards (${pct(options.heldOutShare)} of the fraud and of the clean cards, seeded shuffle) contribute no payment to training: a card's payments share its history.`,
    '',
    '## Fit',
    '',
    `Newton's method (iteratively reweighted least squares, \`e2e/src/training/logistic-regression.ts\`) on the mean log-loss with an L2 penalty ${options.l2} on the standardized weights, classes unweighted; converged in ${model.iterations} steps. Final training loss ${fixed(model.loss)}; training AUC ${fixed(train.auc)}. Deterministic: retraining with the same options writes byte-identical files (\`e2e/test/fraud-training.test.ts\` regenerates them and compares).`,
    `Unweighted, the risk is a probability calibrated to the training population (${pct(train.fraudPayments / train.payments)} fraudulent payments — far more than a real issuer sees, where the same risk would overstate the chance of fraud).`,
    '',
    '## Evaluation',
    '',
    headline(heldOut, 'Held-out cards'),
    headline(check, `Fresh population (seed ${options.check.seed}, ${options.check.cards} cards × ${options.check.days} days, ${pct(options.check.fraudShare)} fraud cards)`),
    '',
    'Held-out payments by threshold:',
    '',
    ...thresholdTable(heldOut),
    '',
    'By pattern (held out):',
    '',
    ...patternTable(heldOut),
    '',
    'Fresh population by threshold:',
    '',
    ...thresholdTable(check),
    '',
    'By pattern (fresh population):',
    '',
    ...patternTable(check),
    '',
    '## Thresholds',
    '',
    `**${REVIEW_THRESHOLD}** (REVIEW): fraud more likely than not — the risk is an unweighted probability, so the number means what it says. **${DECLINE_THRESHOLD}** (DECLINE): the payments the model is surest of. They are the score operator's defaults for \`ALERT_THRESHOLD\` and \`CRITICAL_THRESHOLD\`; \`npm start -- fraud\` sets them from the same constants (\`e2e/src/fraud/thresholds.ts\`). Lower thresholds catch more (the table above) at the price of more legitimate payments held for review.`,
    '',
    '## Limitations',
    '',
    '- Trained and checked on simulated cards only: the three fraud patterns are models of real ones, not field data. A fraud that looks like the holder\'s own spending (a few normal-sized payments at ordinary merchants) is invisible to these features.',
    '- Linear in raw features: "near the credit limit" is a ratio the model can only approximate with a positive weight on amounts and a weight on the limit, so big spends on high-limit cards are caught less than on low-limit ones.',
    '- Impossible travel is the weakest pattern: `kmFromLast` has no time in it, and legitimate payments also come far from the previous one — a traveller\'s first payment abroad, and the holder\'s own payment at home right after a clone paid abroad (labelled legitimate). A feature like km per hour since the previous located payment would separate them; the look-back grammar has no such function yet.',
    '- Card testing is caught by its burst (many payments at many merchants within minutes), so its first one or two payments pass before the burst shows.',
    '- Unknown cards (no cardholder record) have a credit limit of 0 for the model.',
    `- The probability is calibrated to the simulated fraud rate, not a real issuer's.`,
    '',
    '## Reproduce',
    '',
    '```',
    command,
    '```',
    '',
  ];
  return lines.join('\n');
}
