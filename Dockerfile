# One image for the gateway, the worker and the migrate step (docker-compose.yml picks the command).
# The operator console's static files are built in a first stage (Vite is a dev dependency).
FROM node:20-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY console ./console
COPY lib ./lib
COPY scripts ./scripts
RUN npm run console:build

FROM node:20-bookworm-slim
# pg_dump / pg_restore for `switchboard backup create|restore|verify` and its daily cron.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
COPY --from=console /app/console/dist ./console/dist
USER node
