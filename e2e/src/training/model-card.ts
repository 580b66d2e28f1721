/** MODEL_CARD.md for a trained risk model: what it predicts, from what, how well, and where it stops. */
import { RISK_FEATURES, type TrainingResult } from './risk-model.js';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const fixed = (x: number, digits = 4) => x.toFixed(digits);

/** What the operator's default threshold (0.8) does with this model, on the held-out windows. */
function atDefault(result: TrainingResult): string {
  const figures = result.thresholds.find((t) => t.threshold === 0.8);
  if (figures === undefined) return '';
  if (figures.alerts === 0) return 'At the operator\'s default `ALERT_THRESHOLD` of 0.8 this model raised **no alert** on the held-out windows: the one-minute evidence never makes a failure within the horizon that likely.';
  return `At the operator's default \`ALERT_THRESHOLD\` of 0.8 this model raised ${figures.alerts} alerts on the held-out windows (precision ${figures.precision === null ? '–' : pct(figures.precision)}, recall ${pct(figures.recall)}).`;
}

/** The card's text; a function of the result only (no dates, no timings), so a retrain with the same options rewrites it unchanged. */
export function modelCard(result: TrainingResult, command: string): string {
  const { metadata, model, options, data } = result;
  const lines = [
    `# Model card: ${metadata.name} ${metadata.version}`,
    '',
    `Predicts the probability that a reefer's compressor fails within **${metadata.horizonMinutes} minutes** after a one-minute window, from that window's aggregate (\`coldchain.aggregates.1m\`).`,
    `Logistic regression on standardized features, run by the score operator (\`services/score\`) with onnxruntime-node.`,
    '',
    '## Files',
    '',
    '| file | what |',
    '|---|---|',
    '| `model.onnx` | ONNX (opset 13, IR 8): input `features` float32 [N, F] → output `risk` [N, 1] (sigmoid) and `contributions` [N, F] (each standardized feature × its weight: its share of the logit, used for alert reasons). metadata_props: name, version, features, horizonMinutes. |',
    '| `model.json` | the sidecar the operator reads: names, input/output names, features in input order, their expressions (the default `FEATURES`), horizon, suggested threshold |',
    '',
    '## Features',
    '',
    'Computed by the operator from each WindowAggregate with the `FEATURES` mapping below (the default when `FEATURES` is unset). A null input (e.g. `setpointC` of an unreferenced container) gives `FEATURE_NULL_VALUE` (0), in training as in serving.',
    '',
    '| # | name | expression | unit | meaning | mean | std | weight |',
    '|---|---|---|---|---|---|---|---|',
    ...RISK_FEATURES.map(
      (f, i) => `| ${i} | \`${f.name}\` | \`${f.expression}\` | ${f.unit} | ${f.meaning} | ${fixed(model.mean[i] as number)} | ${fixed(model.std[i] as number)} | ${fixed(model.weights[i] as number)} |`,
    ),
    '',
    `Bias ${fixed(model.bias)}. Weights apply to standardized values ((x − mean) / std, training-set statistics).`,
    '',
    '## Training data',
    '',
    `Simulated history from the e2e fleet simulator (\`e2e/src/simulator\`), seed **${options.seed}**: ${options.containers} containers × ${options.hours} h of one reading per second, from ${new Date(options.startTime).toISOString()}, failing share ${options.failingShare} (${data.failingContainers} units degrade towards compressor failure; failure times spread over 0.3–1.2 × the run, so some fail after it), other simulator options at their defaults (5 % unreferenced containers) except delivery noise (out-of-order, late, malformed posts), which is off: it changes what ingest sees, not the windows.`,
    `Windows are the oracle's (\`expectedWindows\` in \`e2e/src/oracle\`), i.e. exactly what the aggregate operator emits.`,
    '',
    '| | containers | windows | positive windows |',
    '|---|---|---|---|',
    `| all | ${options.containers} | ${data.windows} | ${data.positives} (${pct(data.positives / data.windows)}) |`,
    `| train | ${data.train.containers} | ${data.train.windows} | ${data.train.positives} |`,
    `| held out | ${data.heldOut.containers} (${data.heldOut.failingContainers} failing) | ${data.heldOut.windows} | ${data.heldOut.positives} |`,
    '',
    `The held-out containers (${pct(options.heldOutShare)} of the failing and of the healthy units, seeded shuffle) contribute no window to training: a unit's neighbouring minutes are nearly the same, so a split by window would overstate the AUC.`,
    '',
    '## Label',
    '',
    `\`failsWithin(container, windowEnd, ${metadata.horizonMinutes} min)\` from the simulator's ground truth: 1 when the unit's compressor fails at or before windowEnd + ${metadata.horizonMinutes} min.`,
    `Windows that hold readings from after the failure (failsAt < windowEnd; ${data.excludedAfterFailure} windows) are left out, not labelled 1: a stopped compressor is a fact for a rule to report (its power collapses to the fans), not something to predict, and those windows would teach the model to recognise dead units rather than failing ones.`,
    '',
    '## Fit',
    '',
    `Full-batch gradient descent on the mean log-loss with an L2 penalty ${options.l2} on the weights, ${options.iterations} steps of size ${options.learningRate}, initial weights uniform in ±0.01 from seed ${options.seed}. Final training loss ${fixed(model.loss)}. Deterministic: retraining with the same options writes a byte-identical \`model.onnx\`.`,
    '',
    '## Evaluation',
    '',
    `- **Held-out AUC ${fixed(result.heldOutAuc)}** (Mann–Whitney, ties counted one half); training AUC ${fixed(result.trainAuc)}.`,
    '- Held-out alerts by threshold (a window alerts when risk ≥ threshold):',
    '',
    '| threshold | alerts | precision | recall |',
    '|---|---|---|---|',
    ...result.thresholds.map((t) => `| ${t.threshold} | ${t.alerts} | ${t.precision === null ? '–' : pct(t.precision)} | ${pct(t.recall)} |`),
    '',
    '## Threshold',
    '',
    `The risk is a calibrated probability and only ${pct(data.positives / data.windows)} of the windows are positive, so high risks are rare. ${atDefault(result)} \`model.json\` suggests **${result.suggestedThreshold}**, the threshold (a multiple of 0.05) with the best F1 on the training windows; the operator logs the suggestion at start but alerts at \`ALERT_THRESHOLD\`. Set \`ALERT_THRESHOLD\` to the suggestion (or between) for more, earlier and less precise alerts.`,
    '',
    '## Limitations',
    '',
    '- Trained on simulated units only; the simulator\'s degradation (capacity loss, warmer return air, noisier power over the 1–4 h before failure) is a model of wear, not field data.',
    '- One window at a time: the operator is stateless, so the model sees one minute and no history. The thermostat cycle moves the temperature of one minute by about as much as early wear does, which bounds the AUC; a trend over tens of minutes (a longer window, or rolling features in the aggregate) would separate failing units much better.',
    '- Degradation lasts 1–4 h, the horizon is 2 h: the first minutes of a short degradation look healthy and are labelled 1; a unit degrading for more than 2 h is labelled 0 for its early, already degraded windows.',
    '- Few failing units (tens): the held-out AUC moves by a few points with the seed.',
    '- Cargo-specific units (absolute power, humidity) are left out (see Features), so the model cannot use that a frozen unit runs nearer its limits.',
    '- Windows without a reference record (unreferenced containers) have no setpoint: the temperature features are 0 there, so the model scores them as if at setpoint.',
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
