#!/usr/bin/env python3
"""Generates a docking fair for `duijie schedule --fair FILE`: enterprises asking to meet experts.

30% of the participants are experts, the rest enterprises; every request is an enterprise asking
for an expert. Experts' popularity follows a Zipf law (rank^-0.9), so a few draw hundreds of
requests, yet an expert takes only 4 to 10 meetings and an enterprise 1 to 4. A fifth of all
participants are there only half a day (the morning or the afternoon half of the slots). Tables are
scarce: the default 40 tables x 16 slots seat 640 of 2,000 requests, fewer than the participants'
limits would allow. Weights are fit scores in (0.25, 1], four decimals. The same arguments and seed
give the same file.

    python3 bench/fair/gen_fair.py --participants 500 --requests 2000 --slots 16 --tables 40 --seed 1
"""

import argparse
import json
import random
import sys


def generate(participants, requests, slots, tables, seed, half_day=0.2, scattered=0.0):
    rng = random.Random(seed)
    n_experts = max(1, round(participants * 0.3))
    n_enterprises = max(1, participants - n_experts)
    experts = [f"exp-{i:05d}" for i in range(n_experts)]
    enterprises = [f"ent-{i:05d}" for i in range(n_enterprises)]
    everyone = []
    half = slots // 2
    for ids, low, high in ((enterprises, 1, 4), (experts, 4, 10)):
        for pid in ids:
            if scattered > 0 and rng.random() < scattered:
                available = sorted(rng.sample(range(slots), min(slots, rng.randint(3, 8))))
            elif rng.random() < half_day and half > 0:
                available = list(range(half)) if rng.random() < 0.5 else list(range(half, slots))
            else:
                available = list(range(slots))
            everyone.append({"id": pid, "available": available, "max_meetings": rng.randint(low, high)})
    # Popularity by a random rank, so that the popular experts are not the first ids.
    ranks = list(range(n_experts))
    rng.shuffle(ranks)
    popularity = [1.0 / (rank + 1) ** 0.9 for rank in ranks]
    pairs = set()
    out = []
    limit = min(requests, n_experts * n_enterprises)
    attempts = 0
    while len(out) < limit and attempts < 50 * limit:
        attempts += 1
        enterprise = rng.choice(enterprises)
        expert = rng.choices(experts, weights=popularity)[0]
        if (enterprise, expert) in pairs:
            continue
        pairs.add((enterprise, expert))
        weight = round(0.25 + 0.75 * rng.betavariate(2.0, 2.5), 4)
        out.append({"id": f"r{len(out):06d}", "a": enterprise, "b": expert, "weight": weight})
    return {"slots": slots, "tables": tables, "participants": everyone, "requests": out}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=500)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--slots", type=int, default=16)
    parser.add_argument("--tables", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--half-day", type=float, default=0.2, help="share of people there half a day")
    parser.add_argument(
        "--scattered",
        type=float,
        default=0.0,
        help="share of people present only at 3 to 8 random slots (a harder fair: default 0)",
    )
    parser.add_argument("--out", help="output file (default: standard output)")
    args = parser.parse_args()
    fair = generate(
        args.participants, args.requests, args.slots, args.tables, args.seed, args.half_day, args.scattered
    )
    text = json.dumps(fair, separators=(",", ":"))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as file:
            file.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
