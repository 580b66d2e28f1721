# The Tributary image: ONE image for every program. The six HTTP programs
# (ingest, enrich, aggregate, score, sink, lag-exporter), the one-shot
# `setup` and the `simulate` fleet are the same code base over the same
# generic runtime; the operators differ only in configuration. One image
# means one build, one vulnerability scan, one pull per node and one tag to
# roll out; the command picks the program:
#
#   docker build -t ghcr.io/tributary-streams/tributary:0.1.0 .
#   docker run --rm ghcr.io/tributary-streams/tributary:0.1.0 --help
#   docker run --rm -e KAFKA_BROKERS=… ghcr.io/tributary-streams/tributary:0.1.0 score
#   (Kubernetes: args: ["score"]; compose: command: ["score"])
#
# Signals: the entrypoint is Node itself (exec form, no shell), so Node is
# PID 1, and bin/tributary.mjs loads the program into that same process (no
# child). The kernel gives PID 1 no default signal actions; the programs
# install their own SIGTERM/SIGINT handlers (operators: stop fetching,
# finish the open transaction, leave the group, exit within
# SHUTDOWN_TIMEOUT_MS), so `docker stop` / a pod deletion is a clean stop.
# No program spawns children, so nothing needs an init to reap zombies.

ARG NODE_IMAGE=node:22-bookworm-slim

# --- the workspace manifests, on their own so `npm ci` layers stay cached until a manifest changes
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
COPY libs/streams/package.json libs/streams/
COPY libs/avro/package.json libs/avro/
COPY libs/service/package.json libs/service/
COPY libs/testing/package.json libs/testing/
COPY schemas/package.json schemas/
COPY services/ingest/package.json services/ingest/
COPY services/enrich/package.json services/enrich/
COPY services/aggregate/package.json services/aggregate/
COPY services/score/package.json services/score/
COPY services/sink/package.json services/sink/
COPY services/lag-exporter/package.json services/lag-exporter/
COPY e2e/package.json e2e/
COPY bench/package.json bench/
COPY deploy/package.json deploy/

# --- build: every dependency (TypeScript is a devDependency), then tsc -b
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# onnxruntime-node ships its CPU binaries; its install script would download CUDA files (hundreds of MB) we never use.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY --from=manifests /src/ ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc -b

# --- runtime: production dependencies and the compiled output only
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    ONNXRUNTIME_NODE_INSTALL=skip
COPY --from=manifests /src/ ./
# --omit=dev: no TypeScript, tsx, vitest, eslint or the deploy tooling in the image — a
# smaller image with less to scan and patch, and nothing that compiles or runs sources at runtime.
# onnxruntime-node carries its binaries for every OS (≈220 MB for macOS and Windows): a Linux image needs its own only.
RUN npm ci --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/onnxruntime-node/bin/napi-v*/darwin node_modules/onnxruntime-node/bin/napi-v*/win32 \
 && npm cache clean --force
# Workspace packages resolve through node_modules/@tributary/* → these folders (their exports point at dist/).
COPY --from=build /src/libs/streams/dist libs/streams/dist
COPY --from=build /src/libs/avro/dist libs/avro/dist
COPY --from=build /src/libs/service/dist libs/service/dist
COPY --from=build /src/schemas/dist schemas/dist
COPY --from=build /src/services/ingest/dist services/ingest/dist
COPY --from=build /src/services/enrich/dist services/enrich/dist
COPY --from=build /src/services/aggregate/dist services/aggregate/dist
COPY --from=build /src/services/score/dist services/score/dist
COPY --from=build /src/services/sink/dist services/sink/dist
COPY --from=build /src/services/lag-exporter/dist services/lag-exporter/dist
COPY --from=build /src/e2e/dist e2e/dist
# Read at runtime: the registry subjects' schemas (SCHEMA_DIR = the schemas package root) and
# the score model (DEFAULT_MODEL_PATH = /app/models/coldchain-risk/model.onnx).
COPY schemas/*.avsc schemas/
COPY models/ models/
COPY bin/tributary.mjs bin/

# Files stay root-owned: the programs only read them (state lives in Kafka changelogs, rows in PostgreSQL).
ENV HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080
USER 10001
EXPOSE 8080
# Liveness of the HTTP programs (/healthz: the process is up). slim has no curl: Node's fetch does it.
# setup and simulate serve no HTTP: compose disables this check for them; Kubernetes ignores HEALTHCHECK.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || '8080') + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/tributary.mjs"]
CMD ["--help"]
