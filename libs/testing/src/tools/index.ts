export * from './helm.js';
export * from './docker-compose.js';
export * from './prometheus.js';
