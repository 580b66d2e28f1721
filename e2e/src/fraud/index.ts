/**
 * The card-fraud pipeline's simulator (labelled payments and cardholders)
 * and its oracle (enriched payments and look-back features computed
 * independently of services/). See README.md here.
 */
export { simulatePayments, IMPOSSIBLE_TRAVEL_MIN_KM } from './simulator.js';
export { expectedEnriched, expectedFeatures } from './oracle.js';
export { haversineKm, EARTH_RADIUS_KM } from './geo.js';
export { paymentToJson, type PaymentJson } from './json.js';
export { CITIES, type City } from './world.js';
export { FRAUD_PATTERNS, type FraudPattern, type LabelledPayment, type PaymentShift, type PaymentSimulationOptions, type SimulatedCard, type SimulatedPayments } from './types.js';
export { REVIEW_THRESHOLD, DECLINE_THRESHOLD } from './thresholds.js';
