/**
 * The expected-results oracle: what the cold-chain pipeline must output for
 * a simulated fleet, computed independently of services/.
 */
export { expectedWindows, aggregateOf, type ExpectedWindows, type ExpectedWindowsOptions } from './windows.js';
export { statsOf, slopePerMinute, doorOpenSecondsOf } from './statistics.js';
export { OracleError } from './errors.js';
