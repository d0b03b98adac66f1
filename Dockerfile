# syntax=docker/dockerfile:1
# Multi-stage build for Fly.io. Production sets DATABASE_URL (managed Postgres), so the embedded
# PostgreSQL is never started there.
ARG NODE_VERSION=20.20

FROM node:${NODE_VERSION}-bookworm-slim AS base
ENV NODE_ENV=production
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends openssl ca-certificates && rm -rf /var/lib/apt/lists/*

# All dependencies, for building.
FROM base AS deps
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --include=dev

# Runtime dependencies only.
FROM base AS prod-deps
COPY package.json package-lock.json ./
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --omit=dev --ignore-scripts

FROM deps AS build
COPY . .
RUN npm run build

FROM base
COPY --from=prod-deps /app/node_modules /app/node_modules
COPY --from=build /app/app/generated /app/app/generated
COPY --from=build /app/build /app/build
COPY --from=build /app/public /app/public
COPY . .
ENV PORT=3000
EXPOSE 3000
CMD ["node", "--import", "tsx", "app/server/main.ts"]
