#!/usr/bin/env bash
# Builds the scaler image from the Dockerfile with Debian's buildah, without pulling from any
# container registry: the Node.js base image of the build stage is assembled from Debian packages
# (mmdebstrap bookworm minbase, ca-certificates, libatomic1), the pinned Node.js binary of the npm
# `node` package (node_modules/node) and npm, then `buildah bud` builds the Dockerfile on it,
# passing the base by its digest (--build-arg NODE_IMAGE=localhost/ml-autoscaling-node@sha256:...),
# with the version, git revision and build time for the image's OCI labels. The runtime stage is
# FROM scratch: no shell and no npm reach the image. npm ci inside the build reaches the npm
# registry through the host's network and trusts the host's CA bundle (mounted for the build, not
# kept in the image).
#
#   scripts/build-image.sh [tag]          -> localhost/ml-autoscaling:<tag> (default: the chart's appVersion)
#   buildah push localhost/ml-autoscaling:<tag> docker://<your-registry>/ml-autoscaling:<tag>
#
# Needs root (or rootless buildah) and: apt-get install buildah mmdebstrap. Storage: vfs, isolation:
# chroot, so it also works inside a container. Idempotent: the base image is reused when present.
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-$(sed -n 's/^appVersion: "\(.*\)"$/\1/p' charts/ml-autoscaling/Chart.yaml)}
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
for tool in buildah mmdebstrap; do
  command -v "$tool" >/dev/null || { echo "build-image: $tool is missing: apt-get install buildah mmdebstrap" >&2; exit 1; }
done
scripts/ensure-npm.sh
node=node_modules/node/bin/node
# The base is named after the exact Node.js it carries: a new pin builds a new base.
base=localhost/ml-autoscaling-node:$("$node" --version | sed 's/^v//')-bookworm
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
ca=/etc/ssl/certs/ca-certificates.crt

if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "build-image: assembling $base from Debian packages and $("$node" --version)..." >&2
  mmdebstrap --quiet --variant=minbase --include=ca-certificates,libatomic1 bookworm "$work/rootfs.tar" http://deb.debian.org/debian
  c=$(buildah from scratch)
  buildah add "$c" "$work/rootfs.tar" / >/dev/null
  buildah copy "$c" "$node" /usr/local/bin/node >/dev/null
  buildah copy "$c" "$npm_dir" /usr/local/lib/node_modules/npm >/dev/null
  buildah run "$c" -- ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
  buildah run "$c" -- sh -c 'node --version && npm --version' >&2
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env npm_config_cafile=$ca --env npm_config_update_notifier=false --cmd node "$c"
  buildah commit --quiet "$c" "$base" >/dev/null
  buildah rm "$c" >/dev/null
fi

# Only the files git tracks (the .dockerignore'd node_modules here is a symlink in worktrees).
ctx=$(mktemp -d)
trap 'rm -rf "$ctx" ${work:+"$work"}' EXIT
git ls-files -z | tar --null -cf - -T - | tar -xf - -C "$ctx"
# The base by its digest: the image records exactly which base it was built on.
digest=$(buildah images --digests --noheading --format '{{.Digest}}' "$base" | head -n1)
[[ $digest == sha256:* ]] || { echo "build-image: no digest for $base" >&2; exit 1; }
buildah bud --quiet --build-arg NODE_IMAGE="${base%:*}@$digest" --build-arg VERSION="$tag" \
  --build-arg REVISION="$(git rev-parse HEAD 2>/dev/null || true)" \
  --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --volume "$ca:$ca:ro" -t "localhost/ml-autoscaling:$tag" "$ctx" >&2
echo "localhost/ml-autoscaling:$tag"
