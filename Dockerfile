# taskql images, one per process (see docker-compose.yml): `--target worker` has the worker and
# its handlers; the default target, `api`, has the API, its schema and the dashboard — and no
# handler code, which only workers load (src/tasks/ declares the types both need).

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

# What both images share: production dependencies only.
FROM node:22-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Dependencies first, so that code changes reuse this layer. package.json also marks /app as
# taskql's root, where the API finds dashboard/dist/.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM runtime AS worker
COPY --from=build /build/dist/src ./dist/src
COPY --from=build /build/dist/worker ./dist/worker
USER node
CMD ["node", "dist/worker/main.js"]

# The last stage is the default target.
FROM runtime AS api
COPY --from=build /build/dist/src ./dist/src
COPY --from=build /build/dist/schema ./dist/schema
COPY --from=build /build/dashboard/dist ./dashboard/dist
USER node
EXPOSE 4000
CMD ["node", "dist/src/main.js"]
