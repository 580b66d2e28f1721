// Filled in by the Helm work: locates the helm binary (extracted from the npm package's layer.zip into the cache).
export {};
