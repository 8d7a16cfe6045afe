#!/usr/bin/env bash
# bench/fair/run.sh — `duijie schedule` against greedy-by-weight and the exact optimum (HiGHS) on
# generated fairs. See bench/fair/README.md.
#
# Env: SEEDS (the 500/2,000/16/40 fairs' seeds, default "1 2 3 4 5"), BIG (1: also the
#      5,000/20,000/16/400 fair, seed 1; default 1), OPT_TIME (seconds HiGHS may take per fair,
#      default 1800), BENCH_WORK (work folder, default /tmp/duijie-fair-bench), GEN_ARGS (more
#      arguments for gen_fair.py, e.g. "--scattered 1"), CARGO_TARGET_DIR.
# Needs python3 with scipy (pip install scipy) and /usr/bin/time. Each fair: duijie's schedule
# (wall and CPU seconds, objective, its upper bound), the greedy's objective, HiGHS's optimum, and
# a re-plan: the first half day's meetings published (locked), the heaviest published meeting
# cancelled, `duijie schedule --previous` run on the changed fair, and that fair's optimum.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/bench/fair
WORK=${BENCH_WORK:-/tmp/duijie-fair-bench}
SEEDS=${SEEDS:-1 2 3 4 5}
BIG=${BIG:-1}
OPT_TIME=${OPT_TIME:-1800}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "$TIME is missing (Debian/Ubuntu: apt-get install time)" >&2; exit 1; }
python3 -c "import scipy" 2>/dev/null || { echo "scipy is missing: pip install scipy" >&2; exit 1; }
mkdir -p "$WORK"

log() { echo "[fair/run.sh $(date +%H:%M:%S)] $*" >&2; }

log "building duijie (release)"
(cd "$ROOT" && cargo build --release --locked -p duijie-server --bin duijie >&2)
DUIJIE=${CARGO_TARGET_DIR:-$ROOT/target}/release/duijie

# json FILE EXPR: a value from a JSON file (EXPR is Python on `d`).
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

echo "| participants / requests / slots / tables | seed | duijie s (wall / CPU) | duijie | upper bound | greedy | optimum (HiGHS s) | duijie / optimum | greedy / optimum | re-plan ms (wall / CPU) | re-plan | its optimum | re-plan / optimum |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"

run_case() {
  local participants=$1 requests=$2 slots=$3 tables=$4 seed=$5
  local name=$WORK/fair-$participants-$requests-$slots-$tables-$seed${GEN_ARGS:+-${GEN_ARGS//[ -]/}}
  python3 "$HERE/gen_fair.py" --participants "$participants" --requests "$requests" \
    --slots "$slots" --tables "$tables" --seed "$seed" ${GEN_ARGS:-} --out "$name.json"
  log "$name: duijie"
  "$TIME" -f "%e %U" -o "$name.time" "$DUIJIE" schedule --fair "$name.json" --json --bound >"$name.schedule.json"
  read -r wall cpu <"$name.time"
  log "$name: greedy and HiGHS"
  python3 "$HERE/optimum.py" "$name.json" --greedy >"$name.greedy.json"
  python3 "$HERE/optimum.py" "$name.json" --time-limit "$OPT_TIME" >"$name.optimum.json"
  # The re-plan: publish the first half day's meetings, cancel the heaviest of them.
  python3 - "$name.json" "$name.schedule.json" "$slots" >"$name.changed.json" <<'PY'
import json, sys
fair = json.load(open(sys.argv[1]))
schedule = json.load(open(sys.argv[2]))
half = int(sys.argv[3]) // 2
published = {m["request"]: m for m in schedule["meetings"] if m["slot"] < half}
weight = {r["id"]: r["weight"] for r in fair["requests"]}
cancelled = max(sorted(published), key=lambda id: weight[id])
fair["requests"] = [r for r in fair["requests"] if r["id"] != cancelled]
for r in fair["requests"]:
    if r["id"] in published:
        r["lock"] = {"slot": published[r["id"]]["slot"], "table": published[r["id"]]["table"]}
json.dump(fair, sys.stdout)
PY
  log "$name: re-plan"
  "$TIME" -f "%e %U" -o "$name.replan.time" "$DUIJIE" schedule --fair "$name.changed.json" \
    --previous "$name.schedule.json" --json >"$name.replan.json"
  read -r replan_wall replan_cpu <"$name.replan.time"
  python3 "$HERE/optimum.py" "$name.changed.json" --time-limit "$OPT_TIME" >"$name.changed.optimum.json"
  python3 - "$name" "$participants / $requests / $slots / $tables" "$seed" "$wall" "$cpu" \
    "$replan_wall" "$replan_cpu" <<'PY'
import json, sys
name, size, seed, wall, cpu, replan_wall, replan_cpu = sys.argv[1:]
schedule = json.load(open(f"{name}.schedule.json"))
greedy = json.load(open(f"{name}.greedy.json"))["objective"]
optimum = json.load(open(f"{name}.optimum.json"))
replan = json.load(open(f"{name}.replan.json"))
changed = json.load(open(f"{name}.changed.optimum.json"))
changed_best = changed.get("objective") if changed.get("status") == "optimal" else None
best = optimum.get("objective") if optimum.get("status") == "optimal" else None
ratio = lambda x: f"{x / best:.5f}" if best else "–"
shown = f"{best:.4f} ({optimum['seconds']:.1f})" if best else f"≤ {optimum.get('bound') or '?'} ({optimum['status']})"
changed_shown = f"{changed_best:.4f}" if changed_best else "–"
replan_ratio = f"{replan['objective'] / changed_best:.5f}" if changed_best else "–"
print(
    f"| {size} | {seed} | {float(wall):.2f} / {float(cpu):.2f} | {schedule['objective']:.4f} "
    f"| {schedule['upper_bound']:.4f} | {greedy:.4f} | {shown} | {ratio(schedule['objective'])} "
    f"| {ratio(greedy)} | {float(replan_wall) * 1000:.0f} / {float(replan_cpu) * 1000:.0f} "
    f"| {replan['objective']:.4f} | {changed_shown} | {replan_ratio} |"
)
PY
}

for seed in $SEEDS; do
  run_case 500 2000 16 40 "$seed"
done
if [ "$BIG" = 1 ]; then
  run_case 5000 20000 16 400 1
fi
