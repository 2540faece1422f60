#!/usr/bin/env bash
# Starts courierd on a fresh temporary data dir with a bootstrap admin, runs
# courier-sim against it, prints the summary and stops the server. Exit code
# is the simulator's: 0 when nothing was lost or doubled.
set -euo pipefail
cd "$(dirname "$0")/.."

COURIERS=${COURIERS:-50}
RECORDS=${RECORDS:-200}
FAIL_RATE=${FAIL_RATE:-0.10}
ADMIN=${COURIER_SIM_ADMIN:-admin:admin-demo-pw}

data=$(mktemp -d)
log="$data/courierd.log"
cleanup() {
  if [ -n "${pid:-}" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"; wait "$pid" || true
  fi
  rm -rf "$data"
}
trap cleanup EXIT

COURIERD_ADDR=127.0.0.1:0 COURIERD_DATA_DIR="$data" COURIERD_BOOTSTRAP_ADMIN="$ADMIN" \
  ./bin/courierd >"$data/courierd.out" 2>"$log" &
pid=$!
for _ in $(seq 100); do
  addr=$(sed -n 's/^courierd listening on //p' "$data/courierd.out")
  [ -n "$addr" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.1
done
[ -n "$addr" ] || { echo "courierd did not start"; cat "$log"; exit 1; }
echo "courierd up on $addr (data dir $data)"

status=0
COURIER_SIM_ADMIN="$ADMIN" ./bin/courier-sim -server "http://$addr" -couriers "$COURIERS" \
  -records "$RECORDS" -fail-rate "$FAIL_RATE" -server-pid "$pid" "$@" || status=$?
kill -TERM "$pid"; wait "$pid" || true
pid=
echo "courierd stopped cleanly"
exit "$status"
