#!/usr/bin/env bash
# Load figures for engagements and indicators (issue 5, item 5). Not part of the test suite.
#
# usage: server/bench/engagements.sh [DURATION] [CONNECTIONS]   (defaults: 30s 64; needs wrk, curl, python3)
#
# Builds a release `duijie`, imports the 20,000-resource catalog of ../shared/bench/gen_catalog.py,
# runs wrk against POST /api/v1/engagements (unique idempotency keys, broker token), then tops the
# store up to 100,000 engagements with random histories written straight into its SQLite file (the
# server stopped; this is the bench's bulk path, not an API) and times GET /api/v1/stats for each
# group_by. Targets: creation >= 500 req/s with 0 errors; stats p95 < 200 ms.
set -euo pipefail
duration=${1:-30s}
connections=${2:-64}
repo=$(cd "$(dirname "$0")/../.." && pwd)
bench=$repo/server/bench
gen=$repo/../shared/bench/gen_catalog.py
work=$(mktemp -d "${TMPDIR:-/tmp}/duijie-eng.XXXXXX")
echo "work folder: $work"

(cd "$repo" && cargo build --release -q -p duijie-server)
bin=$repo/target/release/duijie

pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; }
trap cleanup EXIT

start() {
  "$bin" serve --addr 127.0.0.1:0 --no-demo --data "$work/data" >"$work/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    addr=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.log" | tail -1 || true)
    [ -n "$addr" ] && return 0
    sleep 0.1
  done
  echo "the server did not start: $(cat "$work/serve.log")" >&2
  exit 1
}
stop() { kill "$pid"; wait "$pid" || true; pid=; : >"$work/serve.log"; }

python3 "$gen" 20000 1 1 "$work/gen20k" >/dev/null
python3 -c 'import json, sys
for line in open(sys.argv[1], encoding="utf-8"): print(json.loads(line)["id"])' "$work/gen20k/catalog.jsonl" >"$work/ids.txt"
start
editor=$("$bin" token create --data "$work/data" --scope editor | tail -1)
broker=$("$bin" token create --data "$work/data" --scope broker | tail -1)
curl -sS --fail-with-body -o /dev/null -H "Authorization: Bearer $editor" -H 'Content-Type: application/x-ndjson' \
  --data-binary @"$work/gen20k/catalog.jsonl" "$addr/api/v1/import?mode=replace&allow_shrink=true"

echo; echo "== POST /api/v1/engagements, $connections connections, $duration (target: >= 500 req/s, 0 errors)"
DUIJIE_TOKEN=$broker DUIJIE_IDS=$work/ids.txt wrk -t2 -c"$connections" -d"$duration" -s "$bench/engagements.lua" "$addr/api/v1/engagements"
stop

python3 - "$work/data/duijie.sqlite3" "$work/gen20k/catalog.jsonl" 100000 <<'PY'
import json, random, sqlite3, sys, time
db, catalog, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
resources = [json.loads(line) for line in open(catalog, encoding="utf-8")]
rng = random.Random(5)
con = sqlite3.connect(db)
have = con.execute("SELECT COUNT(*) FROM engagements").fetchone()[0]
fmt = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
base = 1735689600  # 2025-01-01
funnel = ["intent", "contacted", "negotiating", "signed", "landed"]
fairs = ["2025 长三角对接会", "2025 京津冀对接会", "2025 粤港澳对接会", None]
rows, steps = [], []
next_id = con.execute("SELECT COALESCE(MAX(id), 0) FROM engagements").fetchone()[0] + 1
for i in range(max(0, target - have)):
    r = rng.choice(resources)
    created = base + rng.randrange(500 * 86400)
    status, at, reached = "intent", created, {}
    history = [(None, "intent", created)]
    while status != "landed":
        roll = rng.random()
        if roll < 0.25: break
        to = "dropped" if roll < 0.38 else funnel[funnel.index(status) + 1]
        at += 3600 + rng.randrange(60 * 86400)
        history.append((status, to, at)); reached[to] = fmt(at)
        if to == "dropped": status = to; break
        status = to
    eid = next_id + i
    rows.append((eid, status, json.dumps({"text": "需要锂电池储能系统的热管理技术"}), r["id"], r["kind"], r.get("title", ""),
                 r.get("region"), "\n".join(r.get("disciplines", [])), "\n".join(r.get("industries", [])),
                 r.get("society", ""), rng.choice(fairs), fmt(created), fmt(at),
                 reached.get("contacted"), reached.get("negotiating"), reached.get("signed"), reached.get("landed"), reached.get("dropped")))
    steps += [(eid, seq, f, t, fmt(a), "bench", "broker", None) for seq, (f, t, a) in enumerate(history)]
con.executemany("INSERT INTO engagements (id, status, need, resource_id, kind, title, region, disciplines, industries, society, fair, created_at, updated_at, contacted_at, negotiating_at, signed_at, landed_at, dropped_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
con.executemany("INSERT INTO engagement_steps VALUES (?,?,?,?,?,?,?,?)", steps)
con.commit()
print("engagements in the store:", con.execute("SELECT COUNT(*) FROM engagements").fetchone()[0])
PY

start
for group_by in region discipline industry society kind fair month; do
  echo "== GET /api/v1/stats?group_by=$group_by, 4 connections, 10s (target: p95 < 200 ms)"
  DUIJIE_TOKEN=$editor wrk -t1 -c4 -d10s -s "$bench/stats.lua" "$addr/api/v1/stats?group_by=$group_by"
done
curl -sS -o /dev/null -w 'csv by region: %{time_total} s\n' -H "Authorization: Bearer $editor" "$addr/api/v1/stats?group_by=region&format=csv"
