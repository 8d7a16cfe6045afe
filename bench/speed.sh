#!/usr/bin/env bash
# bench/speed.sh N [SEED] — speed and scale of `duijie eval` next to the peer engines on one
# generated catalog of N resources and 500 needs. See bench/README.md.
#
# Env: BENCH_WORK (work root, default /tmp/duijie-bench; the data goes to $BENCH_WORK/N and is
#      reused if present), PEERS_WORK (peers' install/build folder, as in the peers' run.sh;
#      default $TMPDIR/duijie-peers), RUST_ENGINES (comma list, empty = none; default
#      tantivy-jieba,tantivy-ngram12,ref-bm25-bigram), JS_LIBS (comma list, empty = none; default
#      flexsearch-cjk-native), PASSES (timed passes after one warm-up pass, default 1),
#      SHARED (the shared folder, default ../shared beside the repository), CARGO_TARGET_DIR.
# Every engine, duijie included, runs in its own process under /usr/bin/time -v, one at a time.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 N_RESOURCES [SEED]" >&2
  exit 2
fi
N=$1
SEED=${2:-1}
N_QUERIES=500

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=$(cd "${SHARED:-$ROOT/../shared}" && pwd)
PEERS_SRC=$SHARED/bench/peers
WORK=${BENCH_WORK:-/tmp/duijie-bench}/$N
PEERS_WORK=${PEERS_WORK:-${TMPDIR:-/tmp}/duijie-peers}
PASSES=${PASSES:-1}
# `-` rather than `:-`, so that JS_LIBS= (set but empty) means "no JS engine".
RUST_ENGINES=${RUST_ENGINES-tantivy-jieba,tantivy-ngram12,ref-bm25-bigram}
JS_LIBS=${JS_LIBS-flexsearch-cjk-native}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "$TIME is missing (Debian/Ubuntu: apt-get install time)" >&2; exit 1; }

log() { echo "[speed.sh $(date +%H:%M:%S)] $*" >&2; }
mkdir -p "$WORK"

# ---------------------------------------------------------------- data (reused if present)
if [ "$(cat "$WORK/params" 2>/dev/null || true)" != "$N $N_QUERIES $SEED" ] \
   || [ ! -s "$WORK/catalog.jsonl" ] || [ ! -s "$WORK/queries.jsonl" ]; then
  log "generating $N resources, $N_QUERIES queries, seed $SEED into $WORK"
  rm -f "$WORK/params" "$WORK/peers.docs.jsonl" "$WORK/peers.queries.jsonl"
  rm -rf "$WORK/gen.tmp"
  python3 "$SHARED/bench/gen_catalog.py" "$N" "$N_QUERIES" "$SEED" "$WORK/gen.tmp"
  mv "$WORK/gen.tmp/catalog.jsonl" "$WORK/gen.tmp/queries.jsonl" "$WORK/"
  rmdir "$WORK/gen.tmp"
  echo "$N $N_QUERIES $SEED" > "$WORK/params"
else
  log "reusing $WORK/catalog.jsonl and queries.jsonl (N=$N seed=$SEED)"
fi

# The peers' neutral format, converted as the peers' run_suite.sh does: the peers have no
# structured fields, so text = summary + keywords + disciplines, query = need text + keywords
# + disciplines.
if [ ! -s "$WORK/peers.docs.jsonl" ] || [ ! -s "$WORK/peers.queries.jsonl" ]; then
  log "converting to the peers' format"
  python3 - "$WORK" <<'PY'
import json, os, sys
work = sys.argv[1]
with open(os.path.join(work, "catalog.jsonl"), encoding="utf-8") as src, \
     open(os.path.join(work, "peers.docs.jsonl.tmp"), "w", encoding="utf-8") as out:
    for line in src:
        if not line.strip():
            continue
        r = json.loads(line)
        text = " ".join([r.get("summary", "")] + r.get("keywords", []) + r.get("disciplines", []))
        out.write(json.dumps({"id": r["id"], "title": r.get("title", ""), "text": text, "field": "", "region": ""},
                             ensure_ascii=False) + "\n")
with open(os.path.join(work, "queries.jsonl"), encoding="utf-8") as src, \
     open(os.path.join(work, "peers.queries.jsonl.tmp"), "w", encoding="utf-8") as out:
    for line in src:
        if not line.strip():
            continue
        q = json.loads(line)
        n = q["need"]
        text = " ".join([n["text"]] + n.get("keywords", []) + n.get("disciplines", []))
        out.write(json.dumps({"qid": q["qid"], "text": text, "relevant": q["relevant"]}, ensure_ascii=False) + "\n")
for name in ("peers.docs.jsonl", "peers.queries.jsonl"):
    os.replace(os.path.join(work, name + ".tmp"), os.path.join(work, name))
PY
fi

# ---------------------------------------------------------------- builds
log "building duijie (cargo build --release -p duijie-server)"
(cd "$ROOT" && cargo build --release -q -p duijie-server)
DUIJIE=${CARGO_TARGET_DIR:-$ROOT/target}/release/duijie
case "$DUIJIE" in /*) ;; *) DUIJIE=$ROOT/$DUIJIE ;; esac

# Copy the peers to a work folder as their run.sh does (the shared folder may be read-only).
mkdir -p "$PEERS_WORK"
for part in js/bench.js js/package.json js/package-lock.json rust/Cargo.toml rust/Cargo.lock rust/src table.js; do
  mkdir -p "$PEERS_WORK/$(dirname "$part")"
  cp -rp "$PEERS_SRC/$part" "$PEERS_WORK/$(dirname "$part")/"
done
if [ -n "$JS_LIBS" ] && [ ! -d "$PEERS_WORK/js/node_modules/flexsearch" ]; then
  log "npm ci for the JS peers"
  (cd "$PEERS_WORK/js" && npm ci --no-audit --no-fund >&2)
fi
if [ -n "$RUST_ENGINES" ]; then
  log "building the Rust peers (first build takes a few minutes)"
  # Its own target folder: a CARGO_TARGET_DIR given for duijie must not move the peers' binary.
  (cd "$PEERS_WORK/rust" && CARGO_TARGET_DIR="$PEERS_WORK/rust/target" cargo build --release -q)
fi

# ---------------------------------------------------------------- runs, one process each
RAW=$WORK/raw
rm -rf "$RAW"
mkdir -p "$RAW"
RESULTS=$WORK/results.jsonl
: > "$RESULTS"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

# run NAME CMD...: runs CMD under /usr/bin/time -v; its stdout goes to $RAW/NAME.json, the
# time report to $RAW/NAME.time, stderr to $RAW/NAME.log. Returns CMD's exit status.
run() {
  local name=$1
  shift
  log "running $name"
  local status=0
  "$TIME" -v -o "$RAW/$name.time" "$@" > "$RAW/$name.json" 2> "$RAW/$name.log" || status=$?
  [ "$status" -eq 0 ] || log "$name failed (exit $status); see $RAW/$name.log"
  return "$status"
}

# record NAME LANG: appends one line to results.jsonl: the engine's own JSON line(s) with engine,
# docs and peak_rss_mb added (duijie's line is normalised to the peers' field names), or an error.
record() {
  python3 - "$RAW" "$1" "$2" "$N" "$RESULTS" <<'PY'
import json, os, re, sys
raw, name, lang, n, results = sys.argv[1:6]
rss = None
try:
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(os.path.join(raw, name + ".time")).read())
    rss = round(int(m.group(1)) / 1024, 1) if m else None
except OSError:
    pass
lines = [l for l in open(os.path.join(raw, name + ".json"), encoding="utf-8") if l.strip().startswith("{")]
rows = []
for line in lines:
    r = json.loads(line)
    if name == "duijie":
        r = {"engine": "duijie", "lang": "rust", "docs": int(n), "queries": r["queries"],
             "build_ms": r["build_ms"], "lat_median_ms": r["p50_ms"], "lat_p95_ms": r["p95_ms"],
             "recall10": r["recall@10"], "mrr10": r["mrr@10"], "ndcg10": r["ndcg@10"], "raw": r}
    r["peak_rss_mb"] = rss
    rows.append(r)
if not rows:
    rows = [{"engine": name, "lang": lang, "error": "no result; see " + os.path.join(raw, name + ".log"), "peak_rss_mb": rss}]
with open(results, "a", encoding="utf-8") as f:
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
PY
}

run duijie "$DUIJIE" eval --catalog "$WORK/catalog.jsonl" --queries "$WORK/queries.jsonl" --json || true
record duijie rust

IFS=, read -r -a rust_engines <<< "$RUST_ENGINES"
for engine in "${rust_engines[@]}"; do
  [ -n "$engine" ] || continue
  run "$engine" "$PEERS_WORK/rust/target/release/peers-bench" "$WORK/peers.docs.jsonl" "$WORK/peers.queries.jsonl" \
    --engines "$engine" --passes "$PASSES" || true
  record "$engine" rust
done

IFS=, read -r -a js_libs <<< "$JS_LIBS"
for lib in "${js_libs[@]}"; do
  [ -n "$lib" ] || continue
  run "$lib" node --expose-gc --max-old-space-size=16384 "$PEERS_WORK/js/bench.js" \
    "$WORK/peers.docs.jsonl" "$WORK/peers.queries.jsonl" --lib "$lib" --passes "$PASSES" || true
  record "$lib" js
done

# ---------------------------------------------------------------- the table
python3 - "$RESULTS" "$N" "$SEED" "$PASSES" "$LOAD" "$(nproc)" <<'PY'
import json, sys
results, n, seed, passes, load, cpus = sys.argv[1:7]
rows = [json.loads(l) for l in open(results, encoding="utf-8") if l.strip()]
def f(x, d):
    return "-" if x is None else f"{x:.{d}f}"
head = ["engine", "docs", "queries", "build ms", "p50 ms", "p95 ms", "recall@10", "ndcg@10", "peak RSS MB"]
body = []
for r in rows:
    if r.get("error"):
        body.append([r["engine"], "-", "-", "ERROR: " + r["error"], "", "", "", "", f(r.get("peak_rss_mb"), 0)])
        continue
    body.append([r["engine"], str(r["docs"]), str(r["queries"]), f(r["build_ms"], 0), f(r["lat_median_ms"], 3),
                 f(r["lat_p95_ms"], 3), f(r["recall10"], 4), f(r["ndcg10"], 4), f(r.get("peak_rss_mb"), 0)])
w = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
line = lambda cells: "| " + " | ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(cells)) + " |"
print(f"N={n} seed={seed} passes={passes} (after 1 warm-up pass); load average {load} on {cpus} CPUs at start\n")
print(line(head))
print("|" + "|".join(":" + "-" * (x + 1) if i == 0 else "-" * (x + 1) + ":" for i, x in enumerate(w)) + "|")
for b in body:
    print(line(b))
notes = [r for r in rows if r.get("notes")]
if notes:
    print("\nnotes:")
    for r in notes:
        print(f"- {r['engine']}: {r['notes']}")
PY
echo
echo "(raw JSON lines: $RESULTS; per-engine output and /usr/bin/time reports: $RAW/)"
