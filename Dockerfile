# One image for every Switchboard process; the process is chosen by argument:
#   docker run switchboard gateway | vehicle | customer | capacity | order | coverage | mmp-sandbox | …
# Multi-stage: dependencies are installed from the lock in a build stage, the runtime stage holds only
# production dependencies and the sources (TypeScript runs through tsx), and runs as the non-root `node` user.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    BIND_ADDRESS=0.0.0.0 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY platform ./platform
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY vendors ./vendors
COPY schema ./schema
COPY scripts ./scripts
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4000 4001 4002 4003 4004 4005
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "scripts/healthcheck.mjs"]
ENTRYPOINT ["node", "--import", "tsx", "scripts/run.ts"]
CMD ["gateway"]
