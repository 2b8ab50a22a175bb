#!/usr/bin/env bash
# Starts a local RabbitMQ broker (management API on 127.0.0.1:15672, guest/guest) unless one
# answers already, and waits until it is ready. Idempotent.
set -euo pipefail
api=http://127.0.0.1:15672/api/overview
if curl -fsS -u guest:guest "$api" >/dev/null 2>&1; then exit 0; fi
echo "starting rabbitmq-server..." >&2
rabbitmq-server -detached >/dev/null 2>&1 || true
for _ in $(seq 1 120); do
  if curl -fsS -u guest:guest "$api" >/dev/null 2>&1; then exit 0; fi
  sleep 0.5
done
echo "rabbitmq did not become ready within 60 s" >&2
exit 1
