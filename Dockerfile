# taskql API and worker image: one image, two commands (see docker-compose.yml).

# The build, with the development dependencies (TypeScript, Vite, Preact) the final image does not
# carry: the API and the worker compiled to JavaScript (dist/, `npm run build:server`) and the
# dashboard's static files (dashboard/dist/, `npm run build:dashboard`).
FROM node:22-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schema ./schema
COPY worker ./worker
COPY dashboard ./dashboard
RUN npm run build

FROM node:22-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so that code changes reuse this layer. package.json also marks /app as
# taskql's root, where the API finds dashboard/dist/.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY --from=build /build/dist ./dist
COPY --from=build /build/dashboard/dist ./dashboard/dist

USER node
EXPOSE 4000
CMD ["node", "dist/src/main.js"]
