# syntax=docker/dockerfile:1
# The Samtal backend (API, workers and scheduler in one image; ROLE picks what a container runs).
#
#   docker build -t samtal-backend .
#   docker run --env-file .env -p 3000:3000 samtal-backend                      # npm start
#   docker run --env-file .env samtal-backend npm run migrate [-- --seed]       # supabase db push
#   docker run --env-file .env samtal-backend npm run purge                     # retention purge, once
#
# Stage 1 installs everything and runs `npm run build` (a type error fails the image build). Stage 2 is
# the production install (`npm ci --omit=dev`: no tsx, TypeScript, jest or turbo; the Supabase CLI and the
# patched postgres.js are there) plus the compiled dist/, owned by root and run as the unprivileged
# `node` user. NODE_IMAGE must provide node >= 20.19 (engines) and a `node` user (the official images do).
ARG NODE_IMAGE=node:20-bookworm-slim

# --- base: the npm of package.json's packageManager (allowScripts needs npm >= 11.19; node:20 images ship npm 10) --
FROM ${NODE_IMAGE} AS base
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
RUN npm install -g npm@11.19.1 && npm cache clean --force

# --- build ----------------------------------------------------------------------------------------
FROM base AS build
ENV TURBO_TELEMETRY_DISABLED=1
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/types/package.json packages/types/
COPY apps/backend/package.json apps/backend/
COPY apps/simulator/package.json apps/simulator/
# No scripts: the root postinstall would build the workspaces before their sources are copied, and
# patch-package only matters for the runtime install below.
RUN npm ci --ignore-scripts
COPY tsconfig.base.json turbo.json ./
COPY packages/types packages/types
COPY apps/simulator apps/simulator
COPY apps/backend apps/backend
RUN npm run build

# --- runtime --------------------------------------------------------------------------------------
FROM base AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches patches
COPY scripts/postinstall.js scripts/
COPY packages/types/package.json packages/types/
COPY apps/backend/package.json apps/backend/
COPY apps/simulator/package.json apps/simulator/
# postinstall: patch-package applies patches/ (postgres.js); the workspace build is skipped (no turbo)
RUN npm ci --omit=dev && npm cache clean --force
COPY supabase/config.toml supabase/seed.sql supabase/
COPY supabase/migrations supabase/migrations
COPY --from=build /app/packages/types/dist packages/types/dist
COPY --from=build /app/apps/backend/dist apps/backend/dist
USER node
EXPOSE 3000
# Liveness of the api role (GET /health never touches Postgres or Redis). ROLE=worker|scheduler
# containers serve no HTTP: the check passes for them; watch those through their logs and queues.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const r = process.env.ROLE || 'all'; if (r === 'worker' || r === 'scheduler') process.exit(0); fetch(`http://127.0.0.1:${process.env.PORT || 3000}/health`).then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
# The same node flags as `npm start` (apps/backend/package.json): a young generation of 4 MiB semi-spaces
# keeps the API process small under load (README "Benchmarks", f); the old space is not capped.
CMD ["node", "--max-semi-space-size=4", "apps/backend/dist/main.js"]
