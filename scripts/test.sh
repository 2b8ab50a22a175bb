#!/usr/bin/env bash
# The README's second command: installs every tool the tests need, then runs the whole suite:
# unit, integration and chart tests (npm test), the scaler image built from the Dockerfile and run
# as the chart runs it (scripts/image-test.sh), then the end-to-end suite against a real control
# plane and the real KEDA (scripts/e2e.sh; its first run builds them from the Go module proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-npm.sh
scripts/install-chromium.sh
scripts/install-servers.sh
scripts/install-helm.sh
scripts/install-test-tools.sh
scripts/start-rabbitmq.sh
npm test
bash scripts/image-test.sh
bash scripts/e2e.sh
