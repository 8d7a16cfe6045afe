#!/usr/bin/env bash
# bench/replicas.sh [SECONDS] [CONNECTIONS] [N] — matches through the balancer while a replica
# crashes: deploy/local-cluster's three replicas behind HAProxy on PostgreSQL, the N-resource
# generated catalog (default 20,000), wrk for SECONDS (default 30) at CONNECTIONS (default 64) of
# `POST /api/v1/match`; at a third of the run replica 2 is killed with kill -9 and started again at
# once. Prints requests, errors of every kind (the target is 0), p50/p95/p99, when the replica was
# back, and what HAProxy saw. See bench/README.md.
#
# Env: BENCH_WORK (default /tmp/duijie-bench; the catalog is $BENCH_WORK/N/catalog.jsonl, generated
#      as bench/speed.sh does and reused), SHARED (default ../shared beside the repository),
#      REPLICAS (default 3), KILLED (the replica killed, default 2), SEED (default 1).
# Needs wrk, haproxy, python3, curl and PostgreSQL (Debian: apt-get install wrk haproxy postgresql).
set -euo pipefail

SECS=${1:-30}
CONNECTIONS=${2:-64}
N=${3:-20000}
SEED=${SEED:-1}
REPLICAS=${REPLICAS:-3}
KILLED=${KILLED:-2}
N_QUERIES=500

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$(cd "${SHARED:-$ROOT/../shared}" && pwd)
WORK=${BENCH_WORK:-/tmp/duijie-bench}/$N
CLUSTER=$(mktemp -d "${TMPDIR:-/tmp}/duijie-replicas.XXXXXX")
# PostgreSQL's own user must reach the cluster's folder inside.
chmod 755 "$CLUSTER"
command -v wrk >/dev/null || { echo "wrk is missing (Debian: apt-get install wrk)" >&2; exit 1; }

log() { echo "[replicas.sh $(date +%H:%M:%S)] $*" >&2; }
mkdir -p "$WORK"

# ---------------------------------------------------------------- data (as bench/speed.sh)
if [ "$(cat "$WORK/params" 2>/dev/null || true)" != "$N $N_QUERIES $SEED" ] \
  || [ ! -s "$WORK/catalog.jsonl" ] || [ ! -s "$WORK/queries.jsonl" ]; then
  log "generating $N resources, $N_QUERIES queries, seed $SEED into $WORK"
  rm -f "$WORK/params"
  rm -rf "$WORK/gen.tmp"
  python3 "$SHARED/bench/gen_catalog.py" "$N" "$N_QUERIES" "$SEED" "$WORK/gen.tmp" >/dev/null
  mv "$WORK/gen.tmp/catalog.jsonl" "$WORK/gen.tmp/queries.jsonl" "$WORK/"
  rmdir "$WORK/gen.tmp"
  echo "$N $N_QUERIES $SEED" >"$WORK/params"
else
  log "reusing $WORK/catalog.jsonl and queries.jsonl (N=$N seed=$SEED)"
fi
NEEDS=$CLUSTER/needs.jsonl
python3 - "$WORK/queries.jsonl" "$NEEDS" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in f:
        if line.strip():
            out.write(json.dumps({"need": json.loads(line)["need"], "limit": 10}, ensure_ascii=False) + "\n")
PY

# ---------------------------------------------------------------- the cluster
log "building duijie (cargo build --release -p duijie-server)"
(cd "$ROOT" && cargo build --release -q -p duijie-server)
cleanup() {
  [ -n "${sampler:-}" ] && kill "$sampler" 2>/dev/null
  "$ROOT/deploy/local-cluster" stop --dir "$CLUSTER/cluster" >/dev/null 2>&1 || true
  rm -rf "$CLUSTER"
}
trap cleanup EXIT
started=$SECONDS
"$ROOT/deploy/local-cluster" start --dir "$CLUSTER/cluster" --replicas "$REPLICAS" \
  --catalog "$WORK/catalog.jsonl" >"$CLUSTER/start.out"
log "cluster up in $((SECONDS - started)) s (PostgreSQL, $REPLICAS replicas, HAProxy, the catalog imported)"
# shellcheck disable=SC1091
. "$CLUSTER/cluster/env"
SOCK=$CLUSTER/cluster/haproxy.sock

# HAProxy's state of each server, every 0.2 s, as one line per change: "UNIX-TIME backend/server STATUS".
python3 - "$SOCK" >"$CLUSTER/transitions" <<'PY' &
import socket, sys, time
def stat():
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.sendall(b"show stat\n")
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    lines = data.decode().splitlines()
    head = lines[0].lstrip("# ").split(",")
    rows = [dict(zip(head, line.split(","))) for line in lines[1:] if line]
    return {f"{r['pxname']}/{r['svname']}": r["status"] for r in rows if r["svname"] not in ("FRONTEND", "BACKEND")}
last = {}
while True:
    try:
        now = stat()
    except OSError:
        break
    for name, status in sorted(now.items()):
        if last.get(name) != status:
            print(f"{time.time():.2f} {name} {status}", flush=True)
    last = now
    time.sleep(0.2)
PY
sampler=$!
sleep 0.5

LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD)
log "wrk: ${SECS} s at $CONNECTIONS connections; replica $KILLED killed at $((SECS / 3)) s"
DUIJIE_NEEDS=$NEEDS wrk -t2 -c"$CONNECTIONS" -d"${SECS}s" --latency -s "$ROOT/server/bench/match.lua" \
  "$DUIJIE_URL/api/v1/match" >"$CLUSTER/wrk.out" 2>&1 &
wrk_pid=$!
t0=$(date +%s.%N)
sleep $((SECS / 3))
"$ROOT/deploy/local-cluster" kill "$KILLED" --dir "$CLUSTER/cluster"
t_killed=$(date +%s.%N)
"$ROOT/deploy/local-cluster" restart "$KILLED" --dir "$CLUSTER/cluster"
t_ready=$(date +%s.%N)
wait "$wrk_pid"
sleep 0.5
kill "$sampler" 2>/dev/null || true
sampler=

# What HAProxy counted: requests per server, retries and redispatches, 5xx it answered or passed on.
python3 - "$SOCK" >"$CLUSTER/haproxy.stat" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
lines = data.decode().splitlines()
head = lines[0].lstrip("# ").split(",")
for line in lines[1:]:
    if not line:
        continue
    r = dict(zip(head, line.split(",")))
    if r["svname"] == "FRONTEND":
        print(f"frontend: {r['req_tot']} requests on {r['stot']} connections, 5xx {r['hrsp_5xx']}")
    elif r["svname"] == "BACKEND":
        print(f"backend {r['pxname']}: {r['stot']} requests, retries {r['wretr']}, redispatches {r['wredis']}, 5xx {r['hrsp_5xx']}")
    else:
        print(f"  {r['pxname']}/{r['svname']}: {r['stot']} requests, connection errors {r['econ']}, response errors {r['eresp']}, 5xx {r['hrsp_5xx']}")
PY

result=$(grep '^RESULT' "$CLUSTER/wrk.out" || true)
[ -n "$result" ] || { cat "$CLUSTER/wrk.out" >&2; exit 1; }
read -r requests seconds non2xx connect read_errors write timeout p50 p95 p99 max \
  <<<"$(sed -E -e 's/^RESULT //' -e 's/[a-z0-9]+=//g' <<<"$result")"
errors=$((non2xx + connect + read_errors + write + timeout))
# since UNIX-TIME: seconds from wrk's start, to 0.01.
since() { python3 -c "import sys; print(f'{float(sys.argv[1]) - float(sys.argv[2]):.2f}')" "$1" "$t0"; }
cat <<EOF
$(date -u +%Y-%m-%d) · commit $COMMIT · $(nproc) CPUs, load average $LOAD at start
$REPLICAS replicas behind HAProxy on PostgreSQL, $N generated resources (seed $SEED), wrk -t2 -c$CONNECTIONS -d${SECS}s POST /api/v1/match
replica $KILLED killed (kill -9) at $(since "$t_killed") s, started again at once: ready at $(since "$t_ready") s

requests $requests in $seconds s ($(python3 -c "print(f'{$requests / $seconds:.1f}')") req/s)
errors $errors (non-2xx $non2xx, connect $connect, read $read_errors, write $write, timeout $timeout)
latency p50 $p50 ms, p95 $p95 ms, p99 $p99 ms, max $max ms

HAProxy's view of the servers (seconds from wrk's start, server, state):
$(while read -r t rest; do printf '  %6s %s\n' "$(since "$t")" "$rest"; done <"$CLUSTER/transitions")
HAProxy's counters:
$(cat "$CLUSTER/haproxy.stat")
EOF
[ "$errors" -eq 0 ]
