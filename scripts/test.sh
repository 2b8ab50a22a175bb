#!/usr/bin/env bash
# The README's second command: installs every tool the tests need, then runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-npm.sh
scripts/install-chromium.sh
scripts/install-servers.sh
scripts/install-helm.sh
scripts/start-rabbitmq.sh
exec npm test
