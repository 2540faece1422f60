#!/usr/bin/env bash
# Fleet benchmark: courier-sim in bench mode at 1, 16, 64 and 256 devices
# (flaky link off) against courierd on a fresh data dir, then 1,000
# simulated devices against another fresh courierd for its peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
ADMIN=admin:admin-bench-pw
pid=
data=
stop() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null && wait "$pid" || true; fi
  [ -n "$data" ] && rm -rf "$data"
  pid= data=
}
trap stop EXIT
start() {
  data=$(mktemp -d)
  COURIERD_ADDR=127.0.0.1:0 COURIERD_DATA_DIR="$data" COURIERD_BOOTSTRAP_ADMIN="$ADMIN" COURIERD_BCRYPT_COST=4 \
    ./bin/courierd >"$data/out" 2>"$data/log" &
  pid=$!
  addr=
  for _ in $(seq 100); do addr=$(sed -n 's/^courierd listening on //p' "$data/out"); [ -n "$addr" ] && break; sleep 0.1; done
  [ -n "$addr" ] || { cat "$data/log"; exit 1; }
}
start
COURIER_SIM_ADMIN="$ADMIN" ./bin/courier-sim -server "http://$addr" -bench "${BENCH_DEVICES:-1,16,64,256}" -server-pid "$pid"
stop
start
COURIER_SIM_ADMIN="$ADMIN" ./bin/courier-sim -server "http://$addr" -couriers "${MEM_DEVICES:-1000}" -records 20 \
  -fail-rate 0 -photo-rate 0 -quiet -server-pid "$pid"
