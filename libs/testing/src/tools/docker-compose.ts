// Filled in by the compose work: locates (or installs) Debian's docker-compose.
export {};
