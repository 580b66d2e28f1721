/**
 * The fraud model's decision thresholds (a light module: the pipeline
 * configuration needs them without loading the training code).
 */

/** REVIEW at or above this risk: model.json's `threshold`, the score operator's ALERT_THRESHOLD for the fraud pipeline. */
export const REVIEW_THRESHOLD = 0.5;
/** DECLINE at or above this risk: CRITICAL_THRESHOLD for the fraud pipeline. */
export const DECLINE_THRESHOLD = 0.9;
