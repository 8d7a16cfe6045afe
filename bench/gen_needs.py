#!/usr/bin/env python3
"""Generate stored needs (the demand side) for scale measurements, next to a generated catalog.

usage: gen_needs.py N_RESOURCES N_NEEDS SEED OUTDIR [--shared DIR] [--home PROVINCE:SHARE]

Runs ../shared/bench/gen_catalog.py N_RESOURCES N_NEEDS SEED OUTDIR, which writes OUTDIR/catalog.jsonl
(the same catalog it makes for N_RESOURCES and SEED) and OUTDIR/queries.jsonl, and turns each of its
generated queries into a stored need, written to OUTDIR/needs.jsonl: the query's text is the need's
text (需求描述), a keyword of the resource the query was drawn from names it (需求名称), and the other
fields are drawn as gen_catalog.py draws a resource's (industries and regions from the shipped
taxonomies, modes, kinds), with an enterprise, a budget, a deadline, a status, a visibility and a
contact. Deterministic for a given seed.

--shared DIR names the shared folder holding bench/gen_catalog.py (default: $SHARED, else ../shared
beside the repository, else /work/shared).

--home PROVINCE:SHARE (say 440000:0.2) draws SHARE of the needs' counties from that province, as a
provincial portal's needs come mostly from its own province; without it every county is equally
likely, so no province holds more than a few percent of the needs.
"""
import csv
import json
import os
import random
import subprocess
import sys


def shared_folder(argv):
    if "--shared" in argv:
        return argv[argv.index("--shared") + 1]
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.environ.get("SHARED"), os.path.join(here, "..", "..", "shared"), "/work/shared"):
        if candidate and os.path.exists(os.path.join(candidate, "bench", "gen_catalog.py")):
            return candidate
    sys.exit("gen_needs.py: cannot find bench/gen_catalog.py; pass --shared DIR or set SHARED")


def option(argv, name):
    return argv[argv.index(name) + 1] if name in argv else None


def main(argv):
    flags = ("--shared", "--home")
    args = [arg for i, arg in enumerate(argv) if arg not in flags and (i == 0 or argv[i - 1] not in flags)]
    home = option(argv, "--home")
    if len(args) != 4 or not all(arg.isdigit() for arg in args[:3]):
        sys.exit(__doc__)
    n_res, n_needs, seed, out = int(args[0]), int(args[1]), int(args[2]), args[3]
    shared = shared_folder(argv)
    subprocess.run(
        [sys.executable, os.path.join(shared, "bench", "gen_catalog.py"), str(n_res), str(n_needs), str(seed), out],
        check=True,
    )
    data = os.path.join(shared, "data")
    with open(os.path.join(data, "regions", "admin-divisions-gbt2260.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    counties = [row["code"] for row in rows if row["level"] == "3"]
    home_counties, home_share = [], 0.0
    if home:
        province, share = home.split(":")
        home_counties = [code for code in counties if code[:2] == province[:2]]
        home_share = float(share)
        if not home_counties or not 0.0 <= home_share <= 1.0:
            sys.exit("gen_needs.py: --home takes a province code with counties and a share in [0, 1]")
    names = {row["code"]: row["name"] for row in rows}
    with open(os.path.join(data, "classification", "gbt4754-2017-classes.csv"), encoding="utf-8") as f:
        industries = [row["code"] for row in csv.DictReader(f)]
    keywords = {}
    with open(os.path.join(out, "catalog.jsonl"), encoding="utf-8") as f:
        for line in f:
            resource = json.loads(line)
            keywords[resource["id"]] = resource.get("keywords") or [resource.get("title", "")[:12]]

    rng = random.Random(seed * 7919 + 1)
    modes = ["transfer", "license", "joint_rd", "consulting", "training", "equity", "promotion"]
    kinds = ["expert", "achievement", "patent", "organization"]
    name_words = ["华", "科", "创", "新", "力", "达", "通", "源", "泰", "远", "恒", "信", "博", "中", "天", "宏"]
    business = ["科技", "制造", "新材料", "电子", "环保", "生物", "能源", "智能装备", "化工", "农业"]
    suffixes = ["技术需求", "工艺改进", "合作研发", "技术攻关", "升级改造"]
    budgets = ["50万元以内", "50-100万元", "100-300万元", "300万元以上", "面议"]
    statuses = ["open"] * 14 + ["matched"] * 3 + ["solved"] * 2 + ["closed"]
    people = ["张", "王", "李", "赵", "刘", "陈", "杨", "黄"]
    written = 0
    with open(os.path.join(out, "queries.jsonl"), encoding="utf-8") as queries, open(
        os.path.join(out, "needs.jsonl"), "w", encoding="utf-8"
    ) as needs:
        for n, line in enumerate(queries):
            query = json.loads(line)
            source = query["relevant"][0]
            if home_counties and rng.random() < home_share:
                county = rng.choice(home_counties)
            else:
                county = rng.choice(counties)
            city = names.get(county[:4] + "00", names.get(county, ""))
            organization = "%s%s%s%s有限公司" % (
                city.replace("市", "")[:3], rng.choice(name_words), rng.choice(name_words), rng.choice(business)
            )
            need = {
                "id": "need-gen-%07d" % n,
                "title": rng.choice(keywords[source]) + rng.choice(suffixes),
                "text": query["need"]["text"],
                "organization": organization,
                "industries": [rng.choice(industries)],
                "modes": sorted(rng.sample(modes, rng.randint(1, 2))),
                "budget": rng.choice(budgets),
                "deadline": "%d-%02d-%02d" % (rng.choice([2026, 2027]), rng.randint(1, 12), rng.randint(1, 28)),
                "status": rng.choice(statuses),
                "visibility": "members" if rng.random() < 0.2 else "public",
                "contact": {
                    "name": rng.choice(people) + rng.choice(["经理", "工", "总"]),
                    "phone": "0%d-%08d" % (rng.randint(10, 999), rng.randint(0, 99999999)),
                },
            }
            if rng.random() < 0.5:
                need["region"] = county
            if rng.random() < 0.2:
                need["kinds"] = [rng.choice(kinds)]
            if rng.random() < 0.1:
                need["min_maturity"] = rng.randint(3, 7)
            needs.write(json.dumps(need, ensure_ascii=False) + "\n")
            written += 1
    print("gen_needs.py: %d needs in %s" % (written, os.path.join(out, "needs.jsonl")), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
