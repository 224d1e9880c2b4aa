# Paastis: build with dev dependencies, run with production ones only, as a non-root user.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json app.ts server.ts healthcheck.ts ./
COPY plugins ./plugins
COPY routes ./routes
COPY providers ./providers
COPY hooks ./hooks
COPY lib ./lib
COPY cli ./cli
COPY dashboard ./dashboard
COPY examples ./examples
RUN npm run build && npm prune --omit=dev

FROM node:24-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 LOG_FORMAT=json
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
# paastis.yml is baked in when present next to the Dockerfile (package.json makes the glob safe);
# otherwise mount one at /app/paastis.yml.
COPY --chown=node:node package.json paastis.yml* ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["node", "dist/healthcheck.js"]
CMD ["node", "dist/server.js"]
