# The scaler image: multi-stage, production dependencies only, non-root, Node.js 26 (the same
# major the project pins for its tests). NODE_IMAGE is any Debian-based image with Node.js 26 and
# npm; scripts/build-image.sh builds one from Debian packages and the pinned npm `node` package
# when no registry is reachable.
ARG NODE_IMAGE=node:26-bookworm-slim
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY proto ./proto
COPY examples ./examples
COPY profiles ./profiles
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# Caps the old generation well above what 2,000 services need (about 60 MB of heap), which keeps
# resident memory near 230 MB instead of about 500 MB (bench/RESULTS.md).
ENV NODE_OPTIONS=--max-old-space-size=256
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER 65532:65532
EXPOSE 9090 8080
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve", "--config", "/etc/mlas/config/config.yaml"]
