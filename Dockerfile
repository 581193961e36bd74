# syntax=docker/dockerfile:1
# The br-schedule sidecar. At the repository root: docker build -t br-schedule .
# Both stages use the same base image: the sqlite3 addon built in the first must load against the
# glibc of the second. Pin a digest (node:24-slim@sha256:…) for reproducible builds.
ARG NODE_IMAGE=node:24-slim

# ---- build: install, compile, build, then cut the sidecar out with its production dependencies.
FROM ${NODE_IMAGE} AS build

# sqlite3 (under @br-sdk/schedule-sqlite) compiles its Node-API addon with node-gyp, which needs
# python3, make and a C++ compiler.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
RUN npm install --global --no-audit --no-fund pnpm@10.34.9

# node-gyp would download Node's headers; the official image already has them in
# /usr/local/include/node (scripts/setup.sh points npm_config_nodedir at Debian's for the same
# reason). build_from_source skips sqlite3's try at downloading a prebuilt binary from GitHub, so
# the build needs the npm registry and Debian's packages only, as everywhere else in this project.
ENV npm_config_nodedir=/usr/local \
  npm_config_build_from_source=sqlite3 \
  CI=true

WORKDIR /repo
# Download (and compile sqlite3) from the lockfile alone first: this layer is reused until the
# lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
# pnpm-workspace.yaml's onlyBuiltDependencies lets sqlite3's install script run.
RUN pnpm install --frozen-lockfile --offline
# The sidecar and the workspace packages it depends on (the trailing `...`), nothing else.
RUN pnpm --filter '@br-sdk/schedule-sidecar...' run build
# pnpm 10's `deploy` works by default only in a workspace with inject-workspace-packages=true, and
# fails here with ERR_PNPM_DEPLOY_NONINJECTED_WORKSPACE. Turning injection on would make every
# workspace package a copy in node_modules for day-to-day work too (an edit to core then needs a
# re-sync before the sidecar sees it), so the deploy uses --legacy instead: it installs the
# sidecar's production dependencies, workspace packages as copies of their `files` (dist), into
# /out, a self-contained directory: package.json, bin/, dist/, node_modules/.
RUN pnpm deploy --legacy --filter @br-sdk/schedule-sidecar --prod /out

# ---- runtime: Node and the deployed sidecar, nothing else.
FROM ${NODE_IMAGE} AS runtime

# tini as PID 1: the kernel gives PID 1 no default signal actions, so Node there would ignore
# SIGTERM until the sidecar has installed its handler (while the store opens, say). tini passes
# signals on to Node, exits with its exit code, and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*

# Listening on every interface, the sidecar requires signed requests: mount the requesters' public
# keys and name them with SCHEDULER_AUTH_KEYS (docs/security.md), or it refuses to start, saying so.
ENV NODE_ENV=production \
  SCHEDULER_DATA_DIR=/data \
  SCHEDULER_HTTP_HOST=0.0.0.0 \
  SCHEDULER_HTTP_PORT=8080

# A fixed uid and gid, so volume ownership and Kubernetes' runAsUser/fsGroup can name them. /data
# is created owned by that user before VOLUME: a new named volume copies that ownership.
RUN groupadd --system --gid 10001 br-schedule \
  && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin br-schedule \
  && mkdir /data \
  && chown 10001:10001 /data

WORKDIR /app
# Owned by root and read-only to the process: the application cannot be altered at run time.
COPY --from=build /out /app
# The command is `br-schedule`, as outside the container. Node runs the link's target, so its
# imports resolve from /app/node_modules.
RUN ln -s /app/bin/br-schedule.js /usr/local/bin/br-schedule

USER 10001:10001
VOLUME /data
EXPOSE 8080
# No curl in slim images: Node's fetch. Follows SCHEDULER_HTTP_PORT if it is overridden.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SCHEDULER_HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The sidecar shuts down gracefully on SIGTERM (docs/operations.md#graceful-shutdown).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["br-schedule", "serve"]
