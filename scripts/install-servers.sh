#!/usr/bin/env bash
# Installs Debian's prometheus (with promtool), rabbitmq-server and nginx (the bearer-token gateway
# of test/integration/prometheus-auth.test.ts) for the integration tests, and enables RabbitMQ's
# management plugin. Idempotent: does nothing when they are there.
set -euo pipefail
need=()
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v rabbitmq-server >/dev/null 2>&1 || need+=(rabbitmq-server)
command -v nginx >/dev/null 2>&1 || need+=(nginx)
if ((${#need[@]})); then
  echo "installing ${need[*]} (apt)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  # Debian starts packaged services where it can; the tests start their own instances.
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
rabbitmq-plugins enable --offline rabbitmq_management >/dev/null
