#!/usr/bin/env bash
# make bench: intake and pull of courierd measured by courier-sim in bench
# mode (a separate process, verifying every acknowledged op in the audit
# log), each level on a fresh store, RUNS times, then BENCHMARKS.md with the
# median and spread of each figure. With OLD=path/to/old/courierd the old
# binary is measured in the same run, alternating with the new one.
#
#   make bench [OLD=/path/to/old/courierd] [RUNS=3] [LEVELS="1 16 64 256"] [IDS="v7 v4"] [PULL=10000]
#   make bench-growth [GROWTH_OPS=10000000]   # the same intake after the store has grown
set -euo pipefail
cd "$(dirname "$0")/.."
NEW=${NEW:-./bin/courierd}
OLD=${OLD:-}
RUNS=${RUNS:-3}
LEVELS=${LEVELS:-1 16 64 256}
IDS=${IDS:-v7 v4}
PULL=${PULL:-10000}
OUT=${OUT:-build/bench}
MODE=${MODE:-intake}
GROWTH_OPS=${GROWTH_OPS:-10000000}
ADMIN=admin:admin-bench-pw
SIM=./bin/courier-sim
CTL=./bin/courierctl
pid= data=
stop() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null && wait "$pid" || true; fi
  pid=
}
cleanup() { stop; [ -n "$data" ] && rm -rf "$data"; data=; }
trap cleanup EXIT
start() { # start BINARY on a fresh data dir
  data=$(mktemp -d)
  COURIERD_ADDR=127.0.0.1:0 COURIERD_DATA_DIR="$data" COURIERD_BOOTSTRAP_ADMIN="$ADMIN" COURIERD_BCRYPT_COST=4 \
    "$1" >"$data/out" 2>"$data/log" &
  pid=$!
  addr=
  for _ in $(seq 200); do addr=$(sed -n 's/^courierd listening on //p' "$data/out"); [ -n "$addr" ] && break; sleep 0.1; done
  [ -n "$addr" ] || { cat "$data/log"; exit 1; }
}
sim() { # sim LABEL IDS ARGS...: one courier-sim bench run against the server
  local label=$1 ids=$2; shift 2
  local v4=; [ "$ids" = v4 ] && v4=-bench-v4
  COURIER_SIM_ADMIN="$ADMIN" "$SIM" -server "http://$addr" -server-pid "$pid" -quiet $v4 \
    -bench-json "$OUT/$label.jsonl" "$@" >>"$OUT/$label.log" 2>&1 || { tail -20 "$OUT/$label.log"; exit 1; }
}
disk() { # disk LABEL IDS DEVICES: the store's size once the server stopped
  echo "{\"kind\":\"disk\",\"ids\":\"$2\",\"devices\":$3,\"stats\":$("$CTL" stats -json -db "$data/courier.db")}" >>"$OUT/$1.jsonl"
}
level() { # level LABEL BINARY IDS DEVICES [ARGS...]
  local label=$1 bin=$2 ids=$3 n=$4; shift 4
  start "$bin"
  sim "$label" "$ids" -bench "$n" "$@"
  stop
  disk "$label" "$ids" "$n"
  cleanup
}
mkdir -p "$OUT"
rm -f "$OUT"/*.jsonl "$OUT"/*.log
if [ "$MODE" = growth ]; then
  for ids in $IDS; do
    start "$NEW"
    echo "growing a store to $GROWTH_OPS ops ($ids ids)..."
    sim "load-$ids" "$ids" -bench 64 -bench-ops "$GROWTH_OPS"
    sim "grown-$GROWTH_OPS" "$ids" -bench 64
    stop
    disk "grown-$GROWTH_OPS" "$ids" 64
    cleanup
  done
  rm -f "$OUT"/load-*.jsonl
else
  for r in $(seq "$RUNS"); do
    for label in new old; do
      bin=$NEW; [ "$label" = old ] && bin=$OLD
      [ -n "$bin" ] || continue
      for ids in $IDS; do
        for n in $LEVELS; do
          echo "run $r/$RUNS: $label, $ids ids, $n devices"
          level "$label" "$bin" "$ids" "$n"
        done
      done
      if [ "$PULL" -gt 0 ]; then # its own store: the tasks it makes would count in the intake's bytes
        echo "run $r/$RUNS: $label, pull of $PULL changes"
        level "$label" "$bin" pull 1 -bench-batches 1 -bench-pull "$PULL"
      fi
    done
  done
fi
go run ./cmd/courier-sim/benchreport -dir "$OUT" >"${REPORT:-BENCHMARKS.md}"
echo "wrote ${REPORT:-BENCHMARKS.md} (raw figures in $OUT)"
