# One image for the gateway and the simulators; the command picks which.
FROM node:20-bookworm-slim AS viewer
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY twin-viewer ./twin-viewer
COPY gateway/src/core ./gateway/src/core
COPY device-profiles/schema ./device-profiles/schema
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY device-profiles ./device-profiles
COPY gateway ./gateway
COPY simulators ./simulators
COPY twin-viewer ./twin-viewer
COPY --from=viewer /app/twin-viewer/dist ./twin-viewer/dist
COPY bin ./bin
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
ENTRYPOINT ["node", "--import", "tsx", "gateway/src/cli/main.ts"]
CMD ["gateway"]
