# The scaler image. The build stage runs on a Node.js 26 image (the major the project pins for its
# tests) and compiles, prunes to production dependencies and writes the SBOM; the runtime stage
# starts from scratch and holds only what `node` loads (its binary, glibc, libstdc++, libgcc,
# libatomic, copied from the build stage), the scaler and its SBOM: no shell, no npm, no package
# manager. It runs as 65532:65532.
#
# NODE_IMAGE pins the base by its exact version (any Debian-based Node.js 26 image with npm and
# ldd). Add its digest (node:26.10.0-bookworm-slim@sha256:...) where your registry's digest is
# known; scripts/build-image.sh builds the base from Debian packages and the pinned npm `node`
# package, and passes it by the digest of that local image.
ARG NODE_IMAGE=node:26.10.0-bookworm-slim
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY proto ./proto
COPY examples ./examples
COPY profiles ./profiles
# The SBOM lists the production dependencies, read from the complete tree before it is pruned.
RUN npm run build && npm sbom --sbom-format cyclonedx --omit dev > sbom.cdx.json \
  && npm prune --omit=dev --no-audit --no-fund
# The runtime's file system: node and every shared library it loads (as ldd resolves them), the
# non-root user's passwd and group entries, name resolution from /etc/hosts then DNS, and /tmp.
RUN set -eu; \
  node=$(command -v node); \
  mkdir -p /rootfs/usr/local/bin /rootfs/etc /rootfs/tmp; \
  cp "$node" /rootfs/usr/local/bin/node; \
  for lib in $(ldd "$node" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do \
    cp --parents -L "$lib" /rootfs; \
  done; \
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >/rootfs/etc/passwd; \
  printf 'root:x:0:\nnonroot:x:65532:\n' >/rootfs/etc/group; \
  printf 'hosts: files dns\n' >/rootfs/etc/nsswitch.conf; \
  chmod 1777 /rootfs/tmp

FROM scratch
ARG NODE_IMAGE
ARG VERSION=0.1.0
ARG REVISION=""
ARG CREATED=""
LABEL org.opencontainers.image.title="ml-autoscaling" \
  org.opencontainers.image.description="Predictive, cost-aware, GPU-aware KEDA external scaler for ML workloads" \
  org.opencontainers.image.version="${VERSION}" \
  org.opencontainers.image.revision="${REVISION}" \
  org.opencontainers.image.created="${CREATED}" \
  org.opencontainers.image.licenses="Apache-2.0" \
  org.opencontainers.image.base.name="${NODE_IMAGE}" \
  io.ml-autoscaling.sbom="/app/sbom.cdx.json"
COPY --from=build /rootfs /
ENV PATH=/usr/local/bin NODE_ENV=production
# Caps the old generation well above what 2,000 services need (about 60 MB of heap), which keeps
# resident memory near 230 MB instead of about 500 MB (bench/RESULTS.md).
ENV NODE_OPTIONS=--max-old-space-size=256
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/sbom.cdx.json ./sbom.cdx.json
USER 65532:65532
EXPOSE 9090 8080
ENTRYPOINT ["/usr/local/bin/node", "dist/src/cli/main.js"]
CMD ["serve", "--config", "/etc/mlas/config/config.yaml"]
