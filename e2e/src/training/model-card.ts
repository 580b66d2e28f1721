/** MODEL_CARD.md for a trained risk model: what it predicts, from what, how well, what it does in the product, and where it stops. */
import type { AlertFigures } from './alert-check.js';
import { RISK_FEATURES, type CheckResult, type TrainingResult } from './risk-model.js';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const fixed = (x: number, digits = 4) => x.toFixed(digits);

/** Share of the dead units' windows that alert at the threshold, over all check fleets. */
function deadShare(result: TrainingResult): string {
  const dead = result.checks.reduce((n, c) => n + c.figures.windowsAfterFailure, 0);
  const alerting = result.checks.reduce((n, c) => n + c.figures.alertsAfterFailure, 0);
  return dead === 0 ? 'none' : pct(alerting / dead);
}

/** How many times the false alerts at the best-F1 threshold are those at the alert threshold, over all check fleets. */
function falseAlertRatio(result: TrainingResult): string {
  const at = result.checks.reduce((n, c) => n + c.figures.alertsOnHealthyUnits, 0);
  const best = result.checks.reduce((n, c) => n + c.atBestF1.alertsOnHealthyUnits, 0);
  return at === 0 ? `${best} (against none)` : `${(best / at).toFixed(1)}× as many`;
}

/** Share of the alerts raised before failure that were within the horizon (alerts on dead units left out: there is nothing left to predict). */
function precisionBeforeFailure(f: AlertFigures): string {
  const before = f.alertsWithinHorizon + f.alertsEarlierThanHorizon + f.alertsOnHealthyUnits;
  return before === 0 ? '–' : pct(f.alertsWithinHorizon / before);
}

/** The card's headline figures at the threshold the operator alerts at (the same held-out windows as the table below). */
function atAlertThreshold(result: TrainingResult): string {
  const t = result.thresholds.find((f) => f.threshold === result.threshold);
  if (t === undefined) throw new RangeError(`no held-out figures at the alert threshold ${result.threshold}`);
  const precision = t.precision === null ? 'none (no held-out window reaches it)' : pct(t.precision);
  return `- **At the alert threshold ${t.threshold}: held-out precision ${precision}, recall ${pct(t.recall)}** (${t.alerts} of the ${result.data.heldOut.windows} held-out windows alert; ${result.data.heldOut.positives} are positive). model.json's \`evaluation\` records them as \`heldOutPrecision\` and \`heldOutRecall\`.`;
}

function checkRow(check: CheckResult, f: AlertFigures): string {
  const o = check.fleet;
  const lead = f.leadMinutes === null ? '–' : `${f.leadMinutes.min} / ${f.leadMinutes.median} / ${f.leadMinutes.max}`;
  return (
    `| ${check.name} (seed ${o.seed}, failing share ${o.failingShare}, fails at ${o.failsAtRange[0]}–${o.failsAtRange[1]} × the run) | ${f.threshold} | ${f.windows} | ${f.alerts} | ${f.alertsWithinHorizon} | ${f.alertsEarlierThanHorizon} | ${f.alertsAfterFailure} | ` +
    `${f.alertsOnHealthyUnits} on ${f.healthyUnitsAlerted} of ${f.healthyUnits} | ${precisionBeforeFailure(f)} | ${f.caughtBeforeFailure} of ${f.failingInRun} | ${lead} |`
  );
}

function unitRows(check: CheckResult): string[] {
  return check.figures.failingUnits.map(
    (u) =>
      `| ${u.containerId} | ${u.cargoClass}${u.referenced ? '' : ' (no reference: no setpoint)'} | ${u.failsAtMinute}${u.failsInRun ? '' : ' (after the run)'} | ${u.firstAlertLeadMinutes === null ? 'no alert' : u.firstAlertLeadMinutes < 0 ? `${-u.firstAlertLeadMinutes} min after failing` : `${u.firstAlertLeadMinutes} min`} | ${u.alertsBeforeFailure} |`,
  );
}

/** The card's text; a function of the result only (no dates, no timings), so a retrain with the same options rewrites it unchanged. */
export function modelCard(result: TrainingResult, command: string): string {
  const { metadata, model, options, data } = result;
  const horizon = metadata.horizonMinutes;
  const threshold = result.threshold;
  const first = result.checks[0];
  const lines = [
    `# Model card: ${metadata.name} ${metadata.version}`,
    '',
    `Predicts whether a reefer's compressor fails within **${horizon} minutes** after a one-minute window, from that window's aggregate (\`coldchain.aggregates.1m\`).`,
    `Logistic regression on standardized features, run by the score operator (\`services/score\`) with onnxruntime-node. The score operator alerts at risk ≥ **${threshold}** (\`ALERT_THRESHOLD\`'s default, equal to model.json's \`threshold\`).`,
    '',
    '## Files',
    '',
    '| file | what |',
    '|---|---|',
    '| `model.onnx` | ONNX (opset 13, IR 8): input `features` float32 [N, F] → output `risk` [N, 1] (sigmoid) and `contributions` [N, F] (each standardized feature × its weight: its share of the logit, used for alert reasons). metadata_props: name, version, features, horizonMinutes. |',
    '| `model.json` | the sidecar the operator reads: names, input/output names, features in input order, their expressions (the default `FEATURES`), horizon, threshold; the training rows\' event-time range, the held-out figures, and each feature\'s training distribution (`featureDistribution`: decile bins, duplicates merged, outer bins open-ended, and the share of training rows per bin), which the operator\'s drift metrics (`tributary_score_feature_psi`) compare its recent inputs with |',
    '',
    '## What the simulated failure looks like',
    '',
    'The training data is simulated (`e2e/src/simulator/reefer.ts`); what the model can learn is what the simulator makes visible. A failing unit degrades for 1–4 h before `failsAt`: its cooling capacity falls (up to 60 %), a running compressor draws more (up to +35 %) and noisier power, and the return air reads warm (an icing evaporator moves less air; up to 1.5 °C).',
    `In the **last hour** the worn motor overheats and its thermal overload protector makes it **short-cycle**: while the thermostat calls for cooling it runs 45 s, trips to the fans for 15 s and restarts with an inrush surge; by the failure the runs are down to 12 s and the rests up to 40 s. The cooling it still delivers falls below the heat leaking in, so the box warms and the thermostat calls all the time. In one-minute statistics: a high mean power with a minimum at the fans' draw, and a temperature that stays above the band and keeps rising — where a healthy unit either idles or runs steadily while the temperature falls. Healthy units are unchanged by this (and every unit draws the same random numbers whatever its wear, so a failing unit has an exact healthy twin).`,
    'A unit whose thermostat does not call for cooling in that hour (a box kept warmer than the air outside, heated rather than cooled) shows only the warm return air.',
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
    'Why these: the lowest temperature above the setpoint and a warming trend say the unit is not keeping up; a high mean power with a low minimum says the compressor is called but keeps stopping (the largest weight is the minimum power, negative: a compressor running steadily through the minute is a healthy one, which also explains away a warm box pulling down after a door opening); the temperature spread within the minute, negative, is a healthy unit cooling fast.',
    'Tried on this data and left out (in brackets: held-out AUC, and false alerts on healthy units of the 24 h check fleet at 0.5, against about 0.961 and 29 for the five above): the mean temperature above the setpoint (0.959, 29: its weight went to the minimum); door time (0.961, 29: weight near zero, the minimum power and the temperature spread already tell a door opening from wear); power stddev and max (0.960, 29); power slope (0.965, 30, about 10 % more alerts within the horizon: not worth a feature); humidity (0.931, 20, but two failing units fewer caught); the setpoint itself (0.970, 22: better, but it stands for the cargo class, and with a few dozen failing units a model that can tell cargo apart learns which cargo happened to fail).',
    '',
    '## Training data',
    '',
    `Simulated history from the e2e fleet simulator (\`e2e/src/simulator\`), seed **${options.seed}**: ${options.containers} containers × ${options.hours} h of one reading per second, from ${new Date(options.startTime).toISOString()} (a whole day: every hour of the day-night cycle on every lane), failing share ${options.failingShare} (${data.failingContainers} units degrade towards compressor failure; failure times spread over 0.3–1.2 × the run, so some fail after it), other simulator options at their defaults (5 % unreferenced containers) except delivery noise (out-of-order, late, malformed posts), which is off: it changes what ingest sees, not the windows.`,
    `Windows are the oracle's (\`expectedWindows\` in \`e2e/src/oracle\`), i.e. exactly what the aggregate operator emits.`,
    ...(metadata.trainingData === undefined ? [] : [`The training windows span ${metadata.trainingData.from} to ${metadata.trainingData.to} (event time).`]),
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
    `\`failsWithin(container, windowEnd, ${horizon} min)\` from the simulator's ground truth: 1 when the unit's compressor fails at or before windowEnd + ${horizon} min.`,
    `Why ${horizon} minutes: it is how long a failure announces itself in one-minute windows (the short-cycling hour above). Degradation before that hour (capacity loss, warm return air) is slow and mostly hidden by the thermostat cycle and the day-night swing, so with a 120-minute horizon the first half of every failing unit's positive windows look healthy: on this data and these features a 120-minute label gives a held-out AUC of 0.78 and alerts (at 0.5) on 6 of the 9 and 6 of the 10 units failing in the check fleets below; a 30-minute label gives 0.95 but catches 8 of 9 and 7 of 10, later. (Model 1.0.0, 120 minutes, trained before the simulator had its short-cycling hour, had 0.75 and raised no alert at 0.8.)`,
    `Windows that hold readings from after the failure (failsAt < windowEnd; ${data.excludedAfterFailure} windows) are left out, not labelled 1: a stopped compressor is a fact for a rule to report (its power collapses to the fans), not something to predict, and those windows would teach the model to recognise dead units rather than failing ones. The operator still scores them: in the checks below, ${deadShare(result)} of the windows of dead units alert (their box warms, power at the fans' draw).`,
    '',
    '## Fit',
    '',
    `Newton's method (iteratively reweighted least squares) on the mean log-loss with an L2 penalty ${options.l2} on the standardized weights, ${options.positiveWeight === 1 ? 'classes unweighted' : `positive windows weighted ${options.positiveWeight}`}; converged in ${model.iterations} steps (no parameter moved by more than 1e-10). Final training loss ${fixed(model.loss)}. Deterministic: retraining with the same options writes a byte-identical \`model.onnx\`.`,
    options.positiveWeight === 1
      ? `Classes are not reweighted, so the risk is a probability, calibrated on the training fleet: there ${pct(data.positives / data.windows)} of the windows are positive, far more than in a real fleet, where the same risk would overstate the chance of failure. Read it as a risk score whose scale is set by the simulated failure rate. (Weighting the positive windows 3× or 10× raised the held-out AUC by less than 0.01 and the false alerts on the 24 h check fleet 3× or 14× at the same threshold.)`
      : `Positive windows are weighted ${options.positiveWeight}×: the output is a risk score, not a calibrated probability.`,
    '',
    '## Evaluation',
    '',
    `- **Held-out AUC ${fixed(result.heldOutAuc)}** (Mann–Whitney, ties counted one half; ${data.heldOut.containers} held-out units, ${data.heldOut.failingContainers} failing); training AUC ${fixed(result.trainAuc)}.`,
    atAlertThreshold(result),
    '- Held-out windows by threshold (a window alerts when risk ≥ threshold):',
    '',
    '| threshold | alerts | precision | recall |',
    '|---|---|---|---|',
    ...result.thresholds.map((t) => `| ${t.threshold}${t.threshold === threshold ? ' (default)' : ''} | ${t.alerts} | ${t.precision === null ? '–' : pct(t.precision)} | ${pct(t.recall)} |`),
    '',
    'Per-window recall is low by construction: a failing unit whose thermostat is satisfied for a minute looks healthy in that minute. What matters in the product is whether each failing unit gets an alert, how early, and how many alerts healthy units get:',
    '',
    '## Alerts in the product (fresh fleets)',
    '',
    `Each check simulates a fresh fleet (another seed, delivery noise at the simulator's defaults), computes its windows with the oracle, scores them with this model and alerts at the default threshold ${threshold}, as the score operator does. "Within horizon": the window ends at most ${horizon} min before the unit's failure; "earlier": a failing unit, more than ${horizon} min before; "dead": the compressor had already stopped. Precision counts the alerts raised before a failure (within horizon, over within horizon + earlier + healthy). Lead: minutes from the end of a unit's first alerting window to its failure, over the units that fail inside the run and were alerted before failing (min / median / max). \`e2e/src/training/check-alerts.ts\` repeats the check with onnxruntime on the committed files; \`e2e/test/training-alerts.test.ts\` asserts it.`,
    '',
    '| fleet | threshold | windows | alerts | within horizon | earlier | dead | on healthy units | precision before failure | failing units alerted before failing | lead, min |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...result.checks.flatMap((check) => [checkRow(check, check.figures), checkRow(check, check.atBestF1)]),
    '',
    ...(first === undefined
      ? []
      : [
          `The failing units of "${first.name}":`,
          '',
          '| unit | cargo | fails at, min | first alert before failing | alerts before failing |',
          '|---|---|---|---|---|',
          ...unitRows(first),
          '',
        ]),
    '## Threshold',
    '',
    `**${threshold}**: alert when a failure within the hour is more likely than not (the risk is an unweighted probability, so the number means what it says). It is model.json's \`threshold\` and the score operator's default \`ALERT_THRESHOLD\` (services/score/src/config.ts; a model with another threshold needs that default changed with it — \`e2e/test/training-alerts.test.ts\` fails until it is). \`CRITICAL_THRESHOLD\` (0.9) marks the alerts the model is surest of.`,
    `The threshold with the best F1 on the training windows is ${result.bestF1Threshold} (second row of each check fleet above): it alerts earlier, partly more than the horizon ahead, at the price of ${falseAlertRatio(result)} false alerts on healthy units, so the product does not use it. Higher thresholds trade later and fewer alerts for fewer false ones (held-out table above).`,
    '',
    '## Limitations',
    '',
    '- Trained and checked on simulated units only; the failure signature (capacity loss, warm return air, a last hour of short-cycling on the overload protector) is a model of one failure mode, not field data. A compressor that dies without warning, or a failure mode the simulator does not have, gets no early alert.',
    '- One window at a time: the operator is stateless, so the model sees one minute and no history. A failing unit whose thermostat is satisfied for a minute looks healthy in that minute, and a unit that needs no cooling in its last hour (kept warmer than the air outside) shows only its warm return air.',
    '- False alerts: most come from healthy frozen units on the tropical lanes during and in the few minutes after a long door opening, when the box is 5–8 °C above its setpoint. The minimum power (a healthy compressor running steadily) argues against wear, but a linear model on one minute cannot always outweigh the temperature. A few come from 15 °C boxes with the door open for the whole minute and the compressor idle.',
    '- Linear in absolute kW: a frozen unit draws more than a chilled one, so its power features read higher for the same behaviour.',
    '- Few failing units (tens): the held-out AUC and the check figures move by a few points with the seed.',
    '- Windows without a reference record (unreferenced containers) have no setpoint: the temperature-above-setpoint feature is 0 there, so the model scores them on power and temperature trend alone.',
    `- The probability is calibrated to the simulated failure rate (${pct(data.positives / data.windows)} positive windows), not a real fleet's.`,
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
