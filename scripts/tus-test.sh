#!/usr/bin/env bash
# Installs the stock tus-js-client (npm) into build/tusclient when missing,
# then runs the test that uploads a 10 MB photo with it under Node through
# a cutting link (server/stack/tus_test.go). make test runs that test too
# once the client is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "tus-test: node is required (apt-get install -y nodejs npm)" >&2; exit 1; }
if [ ! -f build/tusclient/node_modules/tus-js-client/package.json ]; then
	npm install --no-audit --no-fund --prefix build/tusclient tus-js-client@4.3.1
fi
CI="${CI:-1}" go test -count=1 -run 'TestTusJSClient' ./server/stack/
