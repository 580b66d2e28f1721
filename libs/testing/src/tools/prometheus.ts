// Filled in by the Prometheus work: prometheus and promtool from Debian's package, extracted into the cache.
export {};
