# One image for the gateway and the simulators; the command picks which.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY device-profiles ./device-profiles
COPY gateway ./gateway
COPY simulators ./simulators
COPY twin-viewer ./twin-viewer
COPY bin ./bin
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
ENTRYPOINT ["node", "--import", "tsx", "gateway/src/cli/main.ts"]
CMD ["gateway"]
