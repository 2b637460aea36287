# One image for the gateway, the worker and the migrate step (docker-compose.yml picks the command).
FROM node:20-bookworm-slim
# pg_dump / pg_restore for `switchboard backup create|restore|verify` and its daily cron.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
USER node
