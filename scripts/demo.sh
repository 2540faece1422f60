#!/usr/bin/env bash
# Starts courierd on a fresh temporary data dir with a bootstrap admin, runs
# courier-sim against it, prints the summary and stops the server. Exit code
# is the simulator's: 0 when nothing was lost or doubled and the dispatcher,
# supervisor and wake-ups all checked out.
#
# The fake FCM lives inside courier-sim (its end check reads what the fake
# received), but courierd must know its URL (COURIERD_FCM_ENDPOINT) when it
# starts. So the simulator starts first: it starts the fake on a free
# loopback port and writes the URL to $data/fcm.url; then courierd starts
# with that endpoint, and its address (and pid) go to $data/server.url,
# which the simulator waits for. Both files are written whole (renamed into
# place). FCM_FAKE=0 runs without the fake (courierd then logs wake-ups).
#
# DEMO_KEEP=1 (make demo-console) keeps courierd up after the simulation,
# with its data, creates a dispatcher and a supervisor for the web console,
# prints the console's address and the logins, and waits for Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

COURIERS=${COURIERS:-50}
RECORDS=${RECORDS:-200}
FAIL_RATE=${FAIL_RATE:-0.10}
FCM_FAKE=${FCM_FAKE:-1}
DEMO_KEEP=${DEMO_KEEP:-0}
ADMIN=${COURIER_SIM_ADMIN:-admin:admin-demo-pw}

data=$(mktemp -d)
log="$data/courierd.log"
stop() { # stop <pid>: SIGTERM and wait
  if [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1"; wait "$1" || true
  fi
}
cleanup() {
  stop "${sim:-}"
  stop "${pid:-}"
  rm -rf "$data"
}
trap cleanup EXIT

fcm=()
[ "$FCM_FAKE" = 1 ] && fcm=(-fcm-fake -fcm-url-file "$data/fcm.url")
COURIER_SIM_ADMIN="$ADMIN" ./bin/courier-sim -server-file "$data/server.url" "${fcm[@]}" -couriers "$COURIERS" \
  -records "$RECORDS" -fail-rate "$FAIL_RATE" "$@" &
sim=$!

endpoint=
if [ "$FCM_FAKE" = 1 ]; then
  for _ in $(seq 100); do
    [ -s "$data/fcm.url" ] && break
    kill -0 "$sim" 2>/dev/null || { sim=; echo "courier-sim exited before starting the fake FCM"; exit 1; }
    sleep 0.1
  done
  [ -s "$data/fcm.url" ] || { echo "courier-sim did not start the fake FCM"; exit 1; }
  endpoint=$(head -n1 "$data/fcm.url")
fi

COURIERD_ADDR=127.0.0.1:0 COURIERD_DATA_DIR="$data" COURIERD_BOOTSTRAP_ADMIN="$ADMIN" COURIERD_FCM_ENDPOINT="$endpoint" \
  ./bin/courierd >"$data/courierd.out" 2>"$log" &
pid=$!
addr=
for _ in $(seq 100); do
  addr=$(sed -n 's/^courierd listening on //p' "$data/courierd.out")
  [ -n "$addr" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.1
done
[ -n "$addr" ] || { echo "courierd did not start"; cat "$log"; exit 1; }
echo "courierd up on $addr (data dir $data${endpoint:+, FCM endpoint $endpoint})"
echo "web console: http://$addr/console/ (sign in as ${ADMIN%%:*} / ${ADMIN#*:} while the demo runs; make demo-console keeps it up after)"
printf 'http://%s\n%s\n' "$addr" "$pid" >"$data/server.url.tmp"
mv "$data/server.url.tmp" "$data/server.url"

status=0
wait "$sim" || status=$?
sim=
if [ "$DEMO_KEEP" = 1 ]; then
  ctl=(./bin/courierctl -server "http://$addr" -admin "$ADMIN")
  "${ctl[@]}" user add -username demo-dispatcher -password dispatcher-demo-pw -role dispatcher -display-name "Demo Dispatcher" >/dev/null
  "${ctl[@]}" user add -username demo-supervisor -password supervisor-demo-pw -role supervisor -display-name "Demo Supervisor" >/dev/null
  cat <<MSG

The web console is up with the simulation's data: http://$addr/console/
  dispatcher  demo-dispatcher / dispatcher-demo-pw
  supervisor  demo-supervisor / supervisor-demo-pw
  admin       ${ADMIN%%:*} / ${ADMIN#*:}
MSG
  if curl -sf -o /dev/null "http://$addr/docs" 2>/dev/null; then echo "API documentation: http://$addr/docs"; fi
  echo "Ctrl-C stops the server and deletes its data dir $data"
  trap 'echo; echo "stopping"; exit "$status"' INT TERM
  wait "$pid" || true
  pid=
fi
if [ -n "$pid" ]; then
  kill -TERM "$pid"; wait "$pid" || true
  pid=
fi
echo "courierd stopped cleanly"
exit "$status"
