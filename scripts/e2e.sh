#!/usr/bin/env bash
# The end-to-end suite: a real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager)
# and the real KEDA (operator, metrics adapter, admission webhooks), all on 127.0.0.1 with a throwaway
# PKI, driving the project's own scaler (`mlas serve`) against a real Prometheus and RabbitMQ. No
# kubelet: pods stay Pending; KEDA and the HPA act on the scale subresource, which is what is tested.
#
# The binaries come from scripts/e2e-build.sh (cached in the user's cache folder; the first run builds
# them). Every process this script starts is stopped by PID on exit. E2E_KEEP=1 keeps the work folder
# (logs, PKI, etcd data) for inspection; it is kept anyway when a step fails.
# Scenario files: test/e2e/*.e2e.ts (run one with E2E_ONLY=test/e2e/activation.e2e.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
node=$root/node_modules/.bin/node
t0=$(date +%s.%N)

cache=$(bash scripts/e2e-build.sh)
t_built=$(date +%s.%N)
awk -v a="$t0" -v b="$t_built" 'BEGIN { printf "e2e: control plane binaries ready in %.1f s (0 when cached)\n", b - a }'
bin=$cache/bin
work=$(mktemp -d "${TMPDIR:-/tmp}/mlas-e2e.XXXXXX")
mkdir -p "$work/logs" "$work/pki"
pids=()
names=()
ok=0

stop_pid() { # pid name: SIGTERM, then SIGKILL after 10 s
  kill -TERM "$1" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  echo "e2e: $2 (pid $1) ignored SIGTERM for 10 s; killing it" >&2
  kill -KILL "$1" 2>/dev/null || true
}

cleanup() {
  local i pid
  # Processes a scenario started and could not stop (it died first): only those whose command line
  # still names this run's work folder, so a reused PID is never hit.
  if [[ -f $work/scenario-pids ]]; then
    while read -r pid; do
      if grep -qF "$work" "/proc/$pid/cmdline" 2>/dev/null; then stop_pid "$pid" "scenario process"; fi
    done <"$work/scenario-pids"
  fi
  # The control plane, in reverse start order (etcd last: the API server drains into it).
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[i]}" "${names[i]}"; done
  wait 2>/dev/null || true
  if [[ $ok == 1 && ${E2E_KEEP:-0} != 1 ]]; then
    rm -rf "$work"
  else
    echo "e2e: logs and state kept in $work" >&2
  fi
}
trap cleanup EXIT

fail() {
  echo "e2e: $*" >&2
  for f in "$work"/logs/*.log; do
    [[ -f $f ]] || continue
    echo "---- last lines of $f" >&2
    tail -n 15 "$f" >&2
  done
  if [[ -f $work/scenarios.out ]]; then
    echo "---- the scenarios' failures (full output: $work/scenarios.out)" >&2
    grep -n -A 12 "^not ok\|✖" "$work/scenarios.out" | tail -n 80 >&2 || true
  fi
  exit 1
}

start() { # name command...
  local name=$1
  shift
  "$@" >"$work/logs/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name")
}

# Free loopback ports, picked by the OS (other processes share the machine).
read -r etcd_port etcd_peer api_port adapter_port webhook_port op_grpc op_metrics op_health \
  wh_metrics wh_health adapter_metrics kcm_port < <("$node" -e '
const net = require("node:net");
const servers = Array.from({ length: 12 }, () => net.createServer());
Promise.all(servers.map((s) => new Promise((r) => s.listen(0, "127.0.0.1", () => r(s.address().port)))))
  .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });')

# ---- PKI: one CA for serving and client certificates, one for the aggregator's front proxy.
pki=$work/pki
(
  cd "$pki"
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  ca() { openssl req -x509 "${ec[@]}" -keyout "$1.key" -out "$1.crt" -days 2 -subj "/CN=$1" 2>/dev/null; }
  leaf() { # name ca subject extendedKeyUsage [subjectAltName]
    openssl req -new "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "$3" 2>/dev/null
    {
      echo "basicConstraints=CA:FALSE"
      echo "keyUsage=critical,digitalSignature,keyEncipherment"
      echo "extendedKeyUsage=$4"
      [[ -z ${5:-} ]] || echo "subjectAltName=$5"
    } >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 2 \
      -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  }
  ca ca
  ca front-proxy-ca
  local_sans="IP:127.0.0.1,IP:::1,DNS:localhost"
  leaf apiserver ca /CN=kube-apiserver serverAuth "$local_sans,DNS:kubernetes.default.svc"
  leaf keda ca /CN=keda serverAuth,clientAuth \
    "$local_sans,DNS:keda-operator.keda.svc,DNS:keda-metrics-apiserver.keda.svc,DNS:keda-admission-webhooks.keda.svc"
  leaf front-proxy-client front-proxy-ca /CN=front-proxy-client clientAuth
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  # KEDA's certificate folder (ca.crt, tls.crt, tls.key) and its CA folder (ca.crt only: a folder
  # that also holds keys fails with "no certs appended").
  mkdir -p keda-certs keda-ca
  cp ca.crt keda-certs/ca.crt
  cp keda.crt keda-certs/tls.crt
  cp keda.key keda-certs/tls.key
  cp ca.crt keda-ca/ca.crt
)
admin_token=$(openssl rand -hex 24)
kcm_token=$(openssl rand -hex 24)
printf '%s,admin,admin,system:masters\n%s,system:kube-controller-manager,kcm\n' \
  "$admin_token" "$kcm_token" >"$pki/tokens.csv"
kubeconfig() { # file token
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters: [{ name: e2e, cluster: { server: "https://127.0.0.1:$api_port", certificate-authority: "$pki/ca.crt" } }]
users: [{ name: e2e, user: { token: "$2" } }]
contexts: [{ name: e2e, context: { cluster: e2e, user: e2e } }]
current-context: e2e
EOF
}
kubeconfig "$work/admin.kubeconfig" "$admin_token"
kubeconfig "$work/kcm.kubeconfig" "$kcm_token"

alive() { # every process started so far still runs
  local i
  for ((i = 0; i < ${#pids[@]}; i++)); do
    kill -0 "${pids[i]}" 2>/dev/null || { echo "e2e: ${names[i]} (pid ${pids[i]}) exited" >&2; return 1; }
  done
}

wait_url() { # what url seconds [curl args...]
  local what=$1 url=$2 secs=$3
  shift 3
  local until=$((SECONDS + secs))
  while ((SECONDS < until)); do
    alive || fail "a process exited while waiting for $what"
    if curl -fsS -o /dev/null --max-time 2 "$@" "$url" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  fail "$what not ready at $url within $secs s"
}

# ---- etcd and the API server.
start etcd "$bin/etcd" --name e2e --data-dir "$work/etcd" --unsafe-no-fsync \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
  --initial-cluster "e2e=http://127.0.0.1:$etcd_peer" --log-level warn
wait_url etcd "http://127.0.0.1:$etcd_port/health" 60

start kube-apiserver "$bin/kube-apiserver" \
  --etcd-servers "http://127.0.0.1:$etcd_port" \
  --bind-address 127.0.0.1 --secure-port "$api_port" --advertise-address 127.0.0.1 \
  --endpoint-reconciler-type none \
  --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
  --client-ca-file "$pki/ca.crt" --token-auth-file "$pki/tokens.csv" \
  --authorization-mode RBAC \
  --service-account-issuer https://kubernetes.default.svc \
  --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
  --service-cluster-ip-range 10.96.0.0/16 \
  --disable-admission-plugins ServiceAccount \
  --requestheader-client-ca-file "$pki/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --proxy-client-cert-file "$pki/front-proxy-client.crt" --proxy-client-key-file "$pki/front-proxy-client.key"
api=https://127.0.0.1:$api_port
wait_url kube-apiserver "$api/readyz" 90 --cacert "$pki/ca.crt" -H "Authorization: Bearer $admin_token"

export E2E_API=$api E2E_TOKEN=$admin_token E2E_CA=$pki/ca.crt E2E_WORK=$work E2E_CRDS=$cache/crds \
  E2E_ADAPTER_PORT=$adapter_port E2E_WEBHOOK_PORT=$webhook_port \
  E2E_KEDA_METRICS=http://127.0.0.1:$op_metrics/metrics NODE_EXTRA_CA_CERTS=$pki/ca.crt
"$node" test/e2e/bootstrap.ts || fail "bootstrap objects were not accepted"

# ---- The controllers, KEDA's operator, metrics adapter and webhooks.
start kube-controller-manager "$bin/kube-controller-manager" \
  --kubeconfig "$work/kcm.kubeconfig" --authentication-kubeconfig "$work/kcm.kubeconfig" \
  --authorization-kubeconfig "$work/kcm.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$kcm_port" --leader-elect=false \
  --controllers horizontal-pod-autoscaler-controller,deployment-controller,replicaset-controller,garbage-collector-controller \
  --horizontal-pod-autoscaler-sync-period 5s
keda_env=(env WATCH_NAMESPACE= POD_NAMESPACE=keda KEDA_CLUSTER_OBJECT_NAMESPACE=keda
  KUBECONFIG="$work/admin.kubeconfig")
start keda-operator "${keda_env[@]}" "$bin/keda-operator" --leader-elect=false \
  --metrics-bind-address "127.0.0.1:$op_metrics" --health-probe-bind-address "127.0.0.1:$op_health" \
  --metrics-service-bind-address "127.0.0.1:$op_grpc" \
  --cert-dir "$pki/keda-certs" --ca-dir "$pki/keda-ca" --enable-cert-rotation=false \
  --enable-webhook-patching=false --enable-apiservice-patching=false --zap-log-level=info
start keda-adapter "${keda_env[@]}" "$bin/keda-adapter" \
  --lister-kubeconfig "$work/admin.kubeconfig" --authentication-kubeconfig "$work/admin.kubeconfig" \
  --authorization-kubeconfig "$work/admin.kubeconfig" \
  --bind-address 127.0.0.1 --secure-port "$adapter_port" --port "$adapter_metrics" \
  --cert-dir "$pki/keda-certs" --tls-cert-file "$pki/keda-certs/tls.crt" \
  --tls-private-key-file "$pki/keda-certs/tls.key" --client-ca-file "$pki/ca.crt" \
  --metrics-service-address "127.0.0.1:$op_grpc"
start keda-webhooks "${keda_env[@]}" "$bin/keda-webhooks" \
  --metrics-bind-address "127.0.0.1:$wh_metrics" --health-probe-bind-address "127.0.0.1:$wh_health" \
  --port "$webhook_port" --cert-dir "$pki/keda-certs"
wait_url keda-operator "http://127.0.0.1:$op_health/readyz" 90
wait_url keda-webhooks "http://127.0.0.1:$wh_health/readyz" 90
wait_url "external metrics API (keda-adapter through the aggregator)" \
  "$api/apis/external.metrics.k8s.io/v1beta1" 90 --cacert "$pki/ca.crt" -H "Authorization: Bearer $admin_token"
t_ready=$(date +%s.%N)
awk -v a="$t_built" -v b="$t_ready" 'BEGIN { printf "e2e: control plane up in %.1f s\n", b - a }'

# ---- The scenarios (one file at a time: they share the control plane and the machine's two cores).
scenarios=${E2E_ONLY:-test/e2e/*.e2e.ts}
# shellcheck disable=SC2086
mkdir -p "$work/tmp"
set +e
TMPDIR=$work/tmp "$node" --test --test-concurrency=1 --test-timeout=600000 --test-reporter=spec $scenarios 2>&1 | tee "$work/scenarios.out"
rc=${PIPESTATUS[0]}
set -e
((rc == 0)) || fail "scenarios failed"
ok=1
awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "e2e: total %.1f s\n", b - a }'
