#!/usr/bin/env python3
"""Solves a fair file exactly with scipy's milp (HiGHS) and, with --greedy, by greedy-by-weight.

One binary x[r, s] per request r and slot s where both sides are present (a locked request has only
its lock's slot, fixed to 1). Constraints: each request at most once; each participant at most one
meeting per slot; at most `tables` meetings per slot; each participant within max_meetings. Tables
inside a slot are interchangeable, so a slot assignment within these limits seats every meeting
(locks are on distinct tables, which `duijie schedule` checks). Prints one JSON object:
{"status", "objective", "bound", "method", "seconds"}. The linear relaxation is solved first: if its
optimal vertex is integral it is the optimum ("method": "lp (integral vertex)"); otherwise the MILP
runs ("method": "milp") and "bound" is its dual bound, equal to the objective up to the gap when
the status is "optimal". --lp stops after the relaxation.

    python3 bench/fair/optimum.py FAIR.json [--time-limit 600] [--greedy]
"""

import argparse
import json
import sys
import time


def load(path):
    with open(path, encoding="utf-8") as file:
        fair = json.load(file)
    slots, tables = fair["slots"], fair["tables"]
    index = {p["id"]: i for i, p in enumerate(fair["participants"])}
    available = [set(p["available"]) for p in fair["participants"]]
    max_meetings = [p["max_meetings"] for p in fair["participants"]]
    requests = []
    for r in fair["requests"]:
        a, b = index[r["a"]], index[r["b"]]
        lock = r.get("lock")
        requests.append((r["id"], a, b, float(r["weight"]), lock))
    return slots, tables, available, max_meetings, requests


def greedy(slots, tables, available, max_meetings, requests):
    """Locks first, then by weight (heaviest first, ties in file order) into the first slot that fits."""
    busy = set()
    load = [0] * slots
    degree = [0] * len(available)
    objective = 0.0
    chosen = [False] * len(requests)
    for i, (_, a, b, weight, lock) in enumerate(requests):
        if lock is not None:
            s = lock["slot"]
            busy.add((a, s))
            busy.add((b, s))
            load[s] += 1
            degree[a] += 1
            degree[b] += 1
            chosen[i] = True
    order = sorted((i for i in range(len(requests)) if not chosen[i]), key=lambda i: (-requests[i][3], i))
    for i in order:
        _, a, b, weight, _ = requests[i]
        if degree[a] >= max_meetings[a] or degree[b] >= max_meetings[b]:
            continue
        for s in range(slots):
            if load[s] < tables and s in available[a] and s in available[b] and (a, s) not in busy and (b, s) not in busy:
                busy.add((a, s))
                busy.add((b, s))
                load[s] += 1
                degree[a] += 1
                degree[b] += 1
                chosen[i] = True
                break
    for i, chosen_request in enumerate(chosen):
        if chosen_request:
            objective += requests[i][3]
    return objective


def optimum(slots, tables, available, max_meetings, requests, time_limit, relax=False):
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    variables = []  # (request, slot)
    lower = []
    for i, (_, a, b, weight, lock) in enumerate(requests):
        if lock is not None:
            variables.append((i, lock["slot"]))
            lower.append(1.0)
            continue
        if max_meetings[a] == 0 or max_meetings[b] == 0:
            continue
        for s in sorted(available[a] & available[b]):
            variables.append((i, s))
            lower.append(0.0)
    n_participants = len(available)
    rows, cols, upper = [], [], []

    def row_of(key, bound, table):
        if key not in table:
            table[key] = len(upper)
            upper.append(bound)
        return table[key]

    request_rows, presence_rows, slot_rows, degree_rows = {}, {}, {}, {}
    for column, (i, s) in enumerate(variables):
        _, a, b, _, _ = requests[i]
        for row in (
            row_of(("r", i), 1.0, request_rows),
            row_of(("p", a, s), 1.0, presence_rows),
            row_of(("p", b, s), 1.0, presence_rows),
            row_of(("s", s), float(tables), slot_rows),
            row_of(("d", a), float(max_meetings[a]), degree_rows),
            row_of(("d", b), float(max_meetings[b]), degree_rows),
        ):
            rows.append(row)
            cols.append(column)
    n = len(variables)
    if n == 0:
        return {"status": "optimal", "objective": 0.0, "bound": 0.0, "seconds": 0.0}
    matrix = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(upper), n)).tocsr()
    cost = -np.array([requests[i][3] for i, _ in variables])
    started = time.perf_counter()
    # The linear relaxation first: when its optimal vertex is integral, it is the optimum (these
    # fairs' relaxations usually are, and the MILP solver would take far longer to say so).
    from scipy.optimize import linprog

    relaxed = linprog(
        cost,
        A_ub=matrix,
        b_ub=np.array(upper),
        bounds=np.column_stack([np.array(lower), np.ones(n)]),
        method="highs",
        options={"time_limit": time_limit},
    )
    seconds = time.perf_counter() - started
    if relaxed.status != 0:
        return {"status": f"lp status {relaxed.status}", "seconds": round(seconds, 2), "n_variables": n}
    lp_bound = float(-relaxed.fun)
    integral = bool(np.all(np.minimum(relaxed.x, 1.0 - relaxed.x) < 1e-9))
    if relax or integral:
        objective = float(-(cost @ np.round(relaxed.x))) if integral else None
        return {
            "status": "optimal" if integral else "lp_only",
            "objective": objective,
            "bound": lp_bound,
            "method": "lp (integral vertex)" if integral else "lp",
            "seconds": round(seconds, 2),
            "n_variables": n,
        }
    result = milp(
        c=cost,
        constraints=LinearConstraint(matrix, -np.inf, np.array(upper)),
        integrality=np.ones(n),
        bounds=Bounds(np.array(lower), np.ones(n)),
        options={"time_limit": time_limit, "mip_rel_gap": 1e-7, "disp": False},
    )
    seconds = time.perf_counter() - started
    status = {0: "optimal", 1: "time_limit"}.get(result.status, f"status {result.status}")
    objective = None if result.x is None else float(-(cost @ np.round(result.x)))
    bound = getattr(result, "mip_dual_bound", None)
    return {
        "status": status,
        "objective": objective,
        "bound": lp_bound if bound is None else min(lp_bound, float(-bound)),
        "method": "milp",
        "seconds": round(seconds, 2),
        "n_variables": n,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fair")
    parser.add_argument("--time-limit", type=float, default=600.0)
    parser.add_argument("--greedy", action="store_true", help="print only the greedy-by-weight objective")
    parser.add_argument("--lp", action="store_true", help="solve only the linear relaxation (an upper bound)")
    args = parser.parse_args()
    problem = load(args.fair)
    if args.greedy:
        print(json.dumps({"objective": round(greedy(*problem), 6)}))
        return
    print(json.dumps(optimum(*problem, args.time_limit, relax=args.lp)))


if __name__ == "__main__":
    sys.exit(main())
