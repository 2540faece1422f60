#!/usr/bin/env bash
# Fleet benchmark: courierd on a fresh data dir, courier-sim in bench mode at
# 1, 16, 64 and 256 devices (flaky link off), then 1,000 devices for the
# server's peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
ADMIN=admin:admin-bench-pw
data=$(mktemp -d)
cleanup() { [ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" || true; rm -rf "$data"; }
trap cleanup EXIT
COURIERD_ADDR=127.0.0.1:0 COURIERD_DATA_DIR="$data" COURIERD_BOOTSTRAP_ADMIN="$ADMIN" COURIERD_BCRYPT_COST=4 \
  ./bin/courierd >"$data/out" 2>"$data/log" &
pid=$!
for _ in $(seq 100); do addr=$(sed -n 's/^courierd listening on //p' "$data/out"); [ -n "$addr" ] && break; sleep 0.1; done
COURIER_SIM_ADMIN="$ADMIN" ./bin/courier-sim -server "http://$addr" -bench "${BENCH_DEVICES:-1,16,64,256}" -server-pid "$pid"
COURIER_SIM_ADMIN="$ADMIN" ./bin/courier-sim -server "http://$addr" -couriers "${MEM_DEVICES:-1000}" -records 20 -fail-rate 0 -quiet -server-pid "$pid"
