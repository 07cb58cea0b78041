# A durable-agent worker. Build with `docker build -t durable-agent .` and configure it with environment
# variables (README, "Deploying"); docker-compose.yml runs it next to a Temporal server.
#
# Debian slim, not Alpine: the worker's native core (@temporalio/core-bridge, shipped in the npm package for
# linux x64 and arm64) is built against glibc.
FROM node:20.20.2-bookworm-slim AS build

# The package is compiled to dist/ here, with the development dependencies (TypeScript) it needs; the image
# below gets only dist/ and the production dependencies.
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
COPY examples/ examples/
RUN npm run build

FROM node:20.20.2-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so this layer is rebuilt only when the package files change.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin/ bin/
COPY --from=build /app/dist/ dist/

# /data is where docker-compose.yml mounts the volume every worker shares: the message store must be the same
# for all workers of a task queue, or a run whose next turn lands on another worker cannot read its transcript.
RUN mkdir -p /data && chown node:node /data
ENV DURABLE_AGENT_STORE_DIR=/data/messages \
    DURABLE_AGENT_DATA_DIR=/data/examples \
    DURABLE_AGENT_HEALTH_FILE=/tmp/durable-agent-healthy

USER node

# The worker touches DURABLE_AGENT_HEALTH_FILE every 10 s while it runs and the Temporal server answers; a
# file older than 45 s means it stopped, lost the server, or hangs. Bundling the workflow code at start-up
# takes a while, hence the start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["node", "-e", "const s = require('node:fs').statSync(process.env.DURABLE_AGENT_HEALTH_FILE); process.exit(Date.now() - s.mtimeMs < 45000 ? 0 : 1)"]

# The compiled worker (what `npm run worker` runs from the sources), started by node itself so that the worker
# is PID 1 and gets SIGTERM directly: it stops polling, cancels the activities in flight, and exits.
CMD ["node", "dist/src/worker.js"]
