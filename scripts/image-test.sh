#!/usr/bin/env bash
# Builds the scaler image from the Dockerfile (scripts/build-image.sh: Debian's buildah, a base
# assembled from Debian packages and the pinned Node.js) and checks what it holds: no shell, no npm
# and no package manager, the OCI labels (version, revision, creation time, licence, the base by its
# digest), and an SBOM of the production dependencies. Then it runs the image as the chart does:
# the image's own user, read-only config mount, commands executed directly (there is no shell to
# run them). Inside the image it checks that `validate` accepts the config, that `serve` becomes
# ready against a real Prometheus, and that the chart's `helm test` script (rendered by the real
# helm) passes against it, as it would in the cluster.
#
#   scripts/image-test.sh        installs buildah and mmdebstrap (apt) when missing
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for tool in buildah mmdebstrap; do command -v "$tool" >/dev/null || need+=("$tool"); done
if ((${#need[@]})); then
  echo "image-test: installing ${need[*]} (apt)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot

tag=image-test-$$ # one per run: runs from other checkouts share the image store
image=$(scripts/build-image.sh "$tag")
user=$(buildah inspect --type image --format '{{.OCIv1.Config.User}}' "$image")
[[ $user == 65532:65532 ]] || { echo "image-test: image user is '$user', expected 65532:65532" >&2; exit 1; }

work=$(mktemp -d)
pids=()
containers=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for c in "${containers[@]}"; do
    buildah umount "$c" >/dev/null 2>&1 || true
    buildah rm "$c" >/dev/null 2>&1 || true
  done
  buildah rmi "$image" >/dev/null 2>&1 || true # the Node.js base stays cached for the next build
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "image-test: $*" >&2
  exit 1
}

# What the image holds, read from its mounted file system.
c=$(buildah from --quiet "$image")
containers+=("$c")
root=$(buildah mount "$c")
found=$(find "$root" \( -name sh -o -name bash -o -name dash -o -name ash -o -name busybox -o -name npm \
  -o -name npx -o -name npm-cli.js -o -name corepack -o -name apt-get -o -name dpkg \) -printf '/%P\n')
[[ -z $found ]] || fail "the image holds a shell, npm or a package manager: $(echo "$found" | tr '\n' ' ')"
[[ -x $root/usr/local/bin/node ]] || fail "no /usr/local/bin/node in the image"
if buildah run "$c" -- /bin/sh -c true >/dev/null 2>&1; then fail "/bin/sh runs inside the image"; fi
buildah inspect --type image "$image" >"$work/image.json"
node_modules/.bin/node -e '
  const [inspected, tag, sbom] = process.argv.slice(1);
  const l = JSON.parse(require("fs").readFileSync(inspected, "utf8")).OCIv1?.config?.Labels ?? {};
  const want = {
    "org.opencontainers.image.title": /^ml-autoscaling$/,
    "org.opencontainers.image.version": new RegExp(`^${tag}$`),
    "org.opencontainers.image.revision": /^[0-9a-f]{40}$/,
    "org.opencontainers.image.created": /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    "org.opencontainers.image.licenses": /^Apache-2\.0$/,
    "org.opencontainers.image.base.name": /@sha256:[0-9a-f]{64}$/,
  };
  for (const [k, re] of Object.entries(want))
    if (!re.test(l[k] ?? "")) throw new Error(`label ${k} is ${JSON.stringify(l[k])}, expected ${re}`);
  const bom = JSON.parse(require("fs").readFileSync(sbom, "utf8"));
  const names = new Set((bom.components ?? []).map((c) => c.name));
  if (bom.bomFormat !== "CycloneDX") throw new Error(`the SBOM is not CycloneDX: ${bom.bomFormat}`);
  for (const n of ["@grpc/grpc-js", "amqplib", "prom-client", "yaml"])
    if (!names.has(n)) throw new Error(`the SBOM lacks ${n}`);
  for (const n of ["typescript", "eslint", "node"])
    if (names.has(n)) throw new Error(`the SBOM lists the development dependency ${n}`);
  console.error(`image-test: labels present (base ${l["org.opencontainers.image.base.name"]}); SBOM lists ${names.size} components`);
' "$work/image.json" "$tag" "$root/app/sbom.cdx.json" || fail "labels or SBOM"
buildah umount "$c" >/dev/null
echo "image-test: no shell, no npm, no package manager in the image" >&2

free_port() { node_modules/.bin/node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

prom_port=$(free_port)
mkdir -p "$work/prom" "$work/config"
printf 'global: { scrape_interval: 15s }\n' >"$work/prom/prometheus.yml"
prometheus --config.file="$work/prom/prometheus.yml" --storage.tsdb.path="$work/prom/data" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prom/log" 2>&1 &
pids+=($!)

grpc_port=$(free_port)
http_port=$(free_port)
cat >"$work/config/config.yaml" <<EOF
sources:
  prometheus: { url: "http://127.0.0.1:$prom_port" }
  refreshSeconds: 1
predictiveScaling: { enabled: false }
services:
  api:
    workload: { name: api }
    minReplicas: 1
    maxReplicas: 10
    readyReplicasQuery: vector(2)
    triggers:
      rps: { source: prometheus, query: vector(35), target: 10, kind: extensive }
EOF
chmod -R a+rX "$work"

# The chart's helm-test script, exactly as rendered.
.tools/bin/helm template image-test charts/ml-autoscaling --set scaler.image.repository=localhost/ml-autoscaling \
  --show-only templates/tests/scaler.yaml |
  node_modules/.bin/node -e '
    const docs = require("yaml").parseAllDocuments(require("fs").readFileSync(0, "utf8")).map((d) => d.toJS());
    const script = docs.find((d) => d?.kind === "ConfigMap")?.data?.["helm-test.ts"];
    if (typeof script !== "string") { console.error("image-test: no helm-test.ts in the rendered chart"); process.exit(1); }
    process.stdout.write(script);' >"$work/helm-test.ts"

new_container() {
  local c
  c=$(buildah from --quiet "$image")
  printf '%s' "$c"
}
# run_in_image CONTAINER [buildah run options]: runs ${cmd[@]} in it, as the chart runs the image.
run_in_image() {
  local c=$1
  shift
  buildah run --network host --user 65532:65532 -v "$work/config:/etc/mlas/config:ro" \
    -v "$work/helm-test.ts:/app/helm-test/helm-test.ts:ro" "$@" "$c" -- "${cmd[@]}"
}

c=$(new_container)
containers+=("$c")
cmd=(node dist/src/cli/main.js validate --config /etc/mlas/config/config.yaml)
run_in_image "$c"
echo "image-test: validate passed inside the image" >&2

cmd=(node dist/src/cli/main.js serve --config /etc/mlas/config/config.yaml --bind-address 127.0.0.1
  --grpc-port "$grpc_port" --http-port "$http_port")
c=$(new_container)
containers+=("$c")
run_in_image "$c" >"$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$http_port/readyz" >/dev/null && break
  sleep 0.5
done
curl -sf "http://127.0.0.1:$http_port/readyz" >/dev/null ||
  { echo "image-test: the scaler in the image never became ready; its log:" >&2; cat "$work/serve.log" >&2; exit 1; }
echo "image-test: serve is ready inside the image" >&2

c=$(new_container)
containers+=("$c")
cmd=(node /app/helm-test/helm-test.ts)
run_in_image "$c" --env "MLAS_HTTP_URL=http://127.0.0.1:$http_port" --env "MLAS_GRPC_ADDRESS=127.0.0.1:$grpc_port" \
  --env MLAS_SERVICES=api
echo "image-test: the chart's helm test passed against the scaler in the image" >&2
