# syntax=docker/dockerfile:1.7
# The operator package's two hosts, one build: `gmc` (cluster-wide manager) and `agc` (per-tenant controller).
# They share @actions-gateway/operator and all of its dependencies, so one build stage compiles them once; the
# two final targets differ only in ENTRYPOINT, because the GMC starts AGC Deployments from AGC_IMAGE without a
# command (core's buildAgcDeployment), so that image's default process must be the agc.
#
#   docker build -f docker/operator.Dockerfile --target gmc -t ghcr.io/actions-gateway/gmc:<version> .
#   docker build -f docker/operator.Dockerfile --target agc -t ghcr.io/actions-gateway/agc:<version> .
#
# Base images are pinned by digest (test/deploy/images.test.ts enforces it); bump them deliberately.

FROM node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS build
WORKDIR /src
RUN corepack enable
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.build.json ./
COPY packages/ packages/
RUN pnpm install --frozen-lockfile
# Builds the operator and the workspace packages it depends on (core, metrics, broker-client).
RUN pnpm --filter "@actions-gateway/operator..." run build
# A self-contained production tree: the operator's dist, its workspace dependencies' dist, npm dependencies.
RUN pnpm --filter @actions-gateway/operator deploy --prod /out

FROM node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=0:0 /out/ /app/
# Read-only root filesystem friendly: the app tree is root-owned and never written; the process writes only
# to /tmp (an emptyDir in the manifests). 65532 is the conventional non-root "nonroot" id.
USER 65532:65532

FROM runtime AS agc
ENTRYPOINT ["node", "/app/dist/agc.js"]

FROM runtime AS gmc
ENTRYPOINT ["node", "/app/dist/gmc.js"]
