# taskql API and worker image: one image, two commands (see docker-compose.yml).

# The dashboard's static files, built with the development dependencies (Vite, Preact), which
# the final image does not carry.
FROM node:22-slim AS dashboard
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci
COPY schema ./schema
COPY dashboard ./dashboard
RUN npm run build

FROM node:22-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so that code changes reuse this layer. tsx is a runtime dependency:
# the TypeScript sources run as they are, with no build step.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src
COPY schema ./schema
COPY worker ./worker
COPY --from=dashboard /build/dashboard/dist ./dashboard/dist

USER node
EXPOSE 4000
CMD ["node", "--import", "tsx", "src/main.ts"]
