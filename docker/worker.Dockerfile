# syntax=docker/dockerfile:1.7
# The worker image: GitHub's actions runner image (the version the AGC announces, GITHUB_RUNNER_VERSION, pinned
# by the same digest as core's DEFAULT_WORKER_IMAGE) with the `worker-wrapper` as ENTRYPOINT. The wrapper reads
# the staged job from the mounted Secret, writes the runner files under /home/runner and runs Runner.Worker.
#
#   docker build -f docker/worker.Dockerfile -t ghcr.io/actions-gateway/worker:<version> .

FROM node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS build
WORKDIR /src
RUN corepack enable
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.build.json ./
COPY packages/ packages/
RUN pnpm install --frozen-lockfile
RUN pnpm --filter "@actions-gateway/worker..." run build
RUN pnpm --filter @actions-gateway/worker deploy --prod /out

FROM ghcr.io/actions/actions-runner:2.335.1@sha256:08c30b0a7105f64bddfc485d2487a22aa03932a791402393352fdf674bda2c29
# The wrapper's own Node (the runner's bundled one under externals/ is the runner's business).
COPY --from=build /usr/local/bin/node /usr/local/bin/node
COPY --from=build --chown=0:0 /out/ /opt/actions-gateway/worker/
ENV RUNNER_HOME_DIR=/home/runner \
    RUNNER_WORKER_PATH=/home/runner/bin/Runner.Worker
# The image's `runner` user (uid/gid 1001), numeric so runAsNonRoot can verify it.
USER 1001:1001
WORKDIR /home/runner
ENTRYPOINT ["/usr/local/bin/node", "/opt/actions-gateway/worker/dist/main.js"]
