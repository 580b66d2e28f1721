/**
 * The cold-chain fleet simulator: a seeded, reproducible fleet of
 * refrigerated containers and what it posts to ingest.
 */
export { simulateFleet, failsWithin, hasFailed } from './fleet.js';
export type { FleetOptions, PostItem, SimulatedContainer, SimulatedFleet } from './types.js';
export { toJson, type SensorReadingJson } from './json.js';
export { checkDigit, isValidContainerId } from './container-id.js';
export { CARGO_PROFILES, type CargoProfile } from './cargo.js';
export { degradation } from './reefer.js';
export { Random, mixSeed } from './random.js';
