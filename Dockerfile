# syntax=docker/dockerfile:1
# Build stage: all dependencies (the native modules, better-sqlite3 and secp256k1, are compiled here,
# once), the TypeScript build, then the dev dependencies (TypeScript included) removed.
FROM node:22-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime: the compiled program and the production dependencies as built above; no compiler, no
# TypeScript, no npm cache. Configure it with PORTAL_* variables (see the README's Configuration).
FROM node:22-slim
ENV NODE_ENV=production PORTAL_LISTEN_HOST=0.0.0.0 PORTAL_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json relays.config.json ./
RUN mkdir -p /data && chown node:node /data
# The image's unprivileged user (uid 1000).
USER node
VOLUME ["/data"]
EXPOSE 8080
# Liveness only (/healthz, under PORTAL_GATEWAY_PREFIX when set) on the port of PORTAL_LISTEN_PORT (or
# 8080). A port or prefix set in a config file instead, or listen.tls, needs its own HEALTHCHECK.
HEALTHCHECK --interval=15s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "const e=process.env;fetch('http://127.0.0.1:'+(e.PORTAL_LISTEN_PORT||e.PORTAL_GATEWAY_PORT||8080)+(e.PORTAL_GATEWAY_PREFIX||'')+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli.js"]
# No PORTAL_ROUTES or PORTAL_CONFIG: the demo of `npm start`. Set them (or mount a file and pass
# `serve --config /config/gateway.json`) to put your API behind it.
CMD ["serve"]
