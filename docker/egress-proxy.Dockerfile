# syntax=docker/dockerfile:1.7
# The per-tenant egress proxy (`egress-proxy` bin of @actions-gateway/proxy).
#
#   docker build -f docker/egress-proxy.Dockerfile -t ghcr.io/actions-gateway/proxy:<version> .

FROM node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0 AS build
WORKDIR /src
RUN corepack enable
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.build.json ./
COPY packages/ packages/
RUN pnpm install --frozen-lockfile
RUN pnpm --filter "@actions-gateway/proxy..." run build
RUN pnpm --filter @actions-gateway/proxy deploy --prod /out

FROM node:20-bookworm-slim@sha256:2cf067cfed83d5ea958367df9f966191a942351a2df77d6f0193e162b5febfc0
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=0:0 /out/ /app/
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "/app/dist/main.js"]
