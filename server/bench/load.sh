#!/usr/bin/env bash
# Load figures for the catalog service (issue 3, item 6). Not part of the test suite.
#
# usage: server/bench/load.sh [DURATION] [CONNECTIONS]      (defaults: 30s 64; needs wrk and python3)
#
# Builds a release `duijie`, generates a 20,000-resource catalog with ../shared/bench/gen_catalog.py,
# imports it, then runs wrk against POST /api/v1/match, GET /api/v1/resources/{id} and a snapshot
# revalidation (304), and times the import of a 100,000-resource catalog into a fresh store.
# Everything runs on 127.0.0.1 and stops by itself.
set -euo pipefail
duration=${1:-30s}
connections=${2:-64}
repo=$(cd "$(dirname "$0")/../.." && pwd)
bench=$repo/server/bench
gen=$repo/../shared/bench/gen_catalog.py
work=$(mktemp -d "${TMPDIR:-/tmp}/duijie-load.XXXXXX")
echo "work folder: $work"

(cd "$repo" && cargo build --release -q -p duijie-server)
bin=$repo/target/release/duijie

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# start DATA: starts a server on a free port and sets $addr.
start() {
  "$bin" serve --addr 127.0.0.1:0 --no-demo --match-rate 0 --data "$1" >"$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    addr=$(grep -o 'http://127.0.0.1:[0-9]*' "$1.log" | head -1 || true)
    [ -n "$addr" ] && return 0
    sleep 0.1
  done
  echo "the server did not start: $(cat "$1.log")" >&2
  exit 1
}

# import DATA FILE: imports FILE (JSON Lines) and prints the seconds it took.
import() {
  local token
  token=$("$bin" token create --data "$1" --scope editor | tail -1)
  curl -sS --fail-with-body -o "$1.import.json" -w '%{time_total}' \
    -H "Authorization: Bearer $token" -H 'Content-Type: application/x-ndjson' \
    --data-binary @"$2" "$addr/api/v1/import?mode=replace&allow_shrink=true"
}

python3 "$gen" 20000 500 1 "$work/gen20k" >/dev/null
python3 - "$work/gen20k/queries.jsonl" "$work/needs.jsonl" <<'PY'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in f:
        out.write(json.dumps({"need": json.loads(line)["need"], "limit": 10}, ensure_ascii=False) + "\n")
PY

start "$work/data20k"
seconds=$(import "$work/data20k" "$work/gen20k/catalog.jsonl")
echo "import of 20,000 resources: $seconds s"
id=$(head -1 "$work/gen20k/catalog.jsonl" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
etag=$(curl -sS -D - -o /dev/null -H 'Accept-Encoding: gzip' "$addr/api/v1/snapshot" | tr -d '\r' | awk 'tolower($1) == "etag:" {print $2}')

echo; echo "== POST /api/v1/match (target: p99 < 50 ms at >= 2,000 req/s)"
DUIJIE_NEEDS=$work/needs.jsonl wrk -t2 -c"$connections" -d"$duration" --latency -s "$bench/match.lua" "$addr/api/v1/match"
echo; echo "== GET /api/v1/resources/$id (target: p99 < 10 ms)"
wrk -t2 -c"$connections" -d"$duration" --latency "$addr/api/v1/resources/$id"
echo; echo "== GET /api/v1/snapshot, If-None-Match → 304 (target: p99 < 10 ms)"
wrk -t2 -c"$connections" -d"$duration" --latency -H "Accept-Encoding: gzip" -H "If-None-Match: $etag" "$addr/api/v1/snapshot"

python3 "$gen" 100000 1 1 "$work/gen100k" >/dev/null
start "$work/data100k"
seconds=$(import "$work/data100k" "$work/gen100k/catalog.jsonl")
echo; echo "== import of 100,000 resources (target: < 30 s): $seconds s"
cat "$work/data100k.import.json"; echo
