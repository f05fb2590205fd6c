# syntax=docker/dockerfile:1
# kube-posture webhook image. Three stages: a build with dev dependencies, the production dependencies
# alone, and a distroless Node 24 runtime (no shell, no package manager) running as a numeric non-root
# user. Nothing is written at run time, so the chart runs it with readOnlyRootFilesystem (and an
# in-memory /tmp).
#
# Node 24 LTS (end of life 2028-04-30) on Debian 13 in every stage: the build stages match the runtime's
# Node and glibc, since the runtime gets their node_modules. `npm run test:lts` runs the tests on the
# Node 24 release that scripts/node-lts.sh pins; test/deploy/dockerfile.test.ts keeps the two, and
# package.json's engines, in agreement. Why 24, and what stays on Node 20: docs/adr/0005-node-runtime.md.
#
# Pin the base images by digest in release builds (docker buildx imagetools inspect <image>).
ARG NODE_BUILD_IMAGE=node:24-trixie-slim
ARG NODE_RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian13:nonroot

# --- build: compile TypeScript, copy the YAML policies into dist/policies -----------------------------
FROM ${NODE_BUILD_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-policy-assets.mjs ./scripts/
COPY src ./src
COPY policies ./policies
RUN npm run build

# --- production dependencies only ----------------------------------------------------------------------
FROM ${NODE_BUILD_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime -------------------------------------------------------------------------------------------
FROM ${NODE_RUNTIME_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production
# Owned by root and read-only to the runtime user: the process cannot modify its own code.
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# package.json carries "type": "module", which makes Node load dist/**/*.js as ES modules.
COPY package.json ./
USER 65532:65532
EXPOSE 8443 9090
# Exec form, node itself as PID 1: signals reach the server (graceful shutdown on SIGTERM), no shell.
ENTRYPOINT ["/nodejs/bin/node", "dist/bundle/main.js"]
CMD ["serve"]
