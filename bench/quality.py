#!/usr/bin/env python3
"""bench/quality.py [--duijie BIN] [--suite DIR] [--no-answerable] — every quality figure in one run.

Runs `duijie eval --suite DIR --runs TMP` (every kind), then, for the enterprise needs (`need`,
`need-best`: pooled graded judgments, DIR/qrels-need.tsv):
  - binary nDCG@10 on grade >= 1 and on grade 2, overall and by style (a colloquial, b form,
    c fragment: qid mod 3 = 1, 2, 0), the share of top-10 items never judged, and the condensed-list
    graded nDCG@10 (unjudged items removed first), beside the pooled peers' runs (DIR/runs-need-*);
  - the fit bands: of the top-10 results in each band (strong, possible, weak), the share judged
    useful (grade >= 1) among the judged, and how many were unjudged;
  - `../shared/bench/answerable.py` (AUC of the top score telling a need the catalog can serve from
    one it cannot), unless --no-answerable.
Judged items only come from the pool: a changed matcher surfaces unjudged ones, counted as 0 in the
plain figures (a lower bound) and left out of the condensed one.
"""
import argparse, glob, json, math, os, subprocess, sys, tempfile
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
def find_shared():
    """../shared beside the checkout (or beside a folder above it, for a git worktree)."""
    if os.environ.get("DUIJIE_SHARED"):
        return os.environ["DUIJIE_SHARED"]
    folder = ROOT
    while os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)
        if os.path.isdir(os.path.join(folder, "shared", "data", "eval-dev")):
            return os.path.join(folder, "shared")
    return os.path.join(os.path.dirname(ROOT), "shared")


SHARED = find_shared()


def load_qrels(path):
    qrels = defaultdict(dict)
    for line in open(path, encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 3:
            qrels[parts[0]][parts[1]] = int(parts[2])
    return qrels


def load_run(path):
    run = defaultdict(list)
    for line in open(path, encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 3:
            score = float(parts[3]) if len(parts) >= 4 else None
            run[parts[0]].append((int(parts[1]), parts[2], score))
    return {qid: [(doc, score) for _, doc, score in sorted(rows)] for qid, rows in run.items()}


def ndcg(ranked, gains, k=10):
    dcg = sum(gains.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def style(qid):
    return "abc"[(int(qid.split("-")[1]) - 1) % 3]


def need_figures(qrels, run):
    rows = defaultdict(list)
    for qid, judged in sorted(qrels.items()):
        ranked = [doc for doc, _ in run.get(qid, [])][:10]
        useful = {doc: 1 for doc, grade in judged.items() if grade >= 1}
        best = {doc: 1 for doc, grade in judged.items() if grade >= 2}
        graded = {doc: grade for doc, grade in judged.items() if grade > 0}
        s = style(qid)
        for key in ("all", s):
            rows["need", key].append(ndcg(ranked, useful))
            rows["need-best", key].append(ndcg(ranked, best))
            rows["unjudged", key].append(sum(1 for doc in ranked if doc not in judged) / 10)
            condensed = [doc for doc, _ in run.get(qid, []) if doc in judged][:10]
            rows["condensed", key].append(ndcg(condensed, graded))
    return {key: sum(values) / len(values) for key, values in rows.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--duijie", default=os.path.join(ROOT, "target/release/duijie"))
    parser.add_argument("--suite", default=os.path.join(SHARED, "data/eval-dev"))
    parser.add_argument("--no-answerable", action="store_true")
    parser.add_argument("--runs", help="keep the run files here")
    args = parser.parse_args()
    runs = args.runs or tempfile.mkdtemp(prefix="duijie-runs-")
    out = subprocess.run([args.duijie, "eval", "--suite", args.suite, "--json", "--runs", runs],
                         capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    kinds = report.get("kinds", report)
    print("kind        queries  ndcg@10  recall@10   mrr@10   p50_ms   p95_ms")
    for kind, value in kinds.items():
        print("%-10s %8d %8.4f %10.4f %8.4f %8.4f %8.4f" % (
            kind, value["queries"], value["ndcg@10"], value["recall@10"], value["mrr@10"],
            value["p50_ms"], value["p95_ms"]))

    qrels_path = os.path.join(args.suite, "qrels-need.tsv")
    if not os.path.exists(qrels_path):
        return
    qrels = load_qrels(qrels_path)
    # Judgments this project added for items the pool never saw (same rules, blind; see
    # bench/README.md): a second table with them, beside the pool's own.
    added_path = os.path.join(HERE, "qrels-need-added.tsv")
    added = load_qrels(added_path) if os.path.exists(added_path) else {}
    systems = [("duijie (this build)", os.path.join(runs, "need", "duijie.run.tsv"))]
    for path in sorted(glob.glob(os.path.join(args.suite, "runs-need-*", "*.run.tsv"))):
        name = os.path.basename(path).replace(".run.tsv", "")
        systems.append(("%s (%s)" % (name, os.path.basename(os.path.dirname(path))[10:]), path))
    print()
    print("enterprise needs: binary nDCG@10 (need: grade >= 1; best: grade 2), by style a/b/c")
    cols = [("need", "all"), ("need", "a"), ("need", "b"), ("need", "c"),
            ("need-best", "all"), ("need-best", "a"), ("need-best", "b"), ("need-best", "c"),
            ("unjudged", "all"), ("condensed", "all")]
    print("%-34s" % "run" + "".join("%9s" % ("%s.%s" % (m.replace("need-best", "best"), s))
                                   for m, s in cols))
    for name, path in systems:
        figures = need_figures(qrels, load_run(path))
        print("%-34s" % name[:34] + "".join("%9.4f" % figures[c] for c in cols))
    if added:
        merged = {qid: dict(judged) for qid, judged in qrels.items()}
        for qid, judged in added.items():
            for doc, grade in judged.items():
                merged.setdefault(qid, {}).setdefault(doc, grade)
        figures = need_figures(merged, load_run(systems[0][1]))
        print("%-34s" % "this build, + added judgments" + "".join("%9.4f" % figures[c] for c in cols))

    # The bands of fit, as `duijie eval --runs` writes them (fourth column: the score).
    run = load_run(systems[0][1])
    bands = band_edges(args.duijie)
    if bands:
        counts = defaultdict(lambda: [0, 0, 0])
        for qid, judged in qrels.items():
            for doc, score in run.get(qid, [])[:10]:
                band = next((name for name, low in bands if score is not None and score >= low),
                            "below")
                grade = judged.get(doc)
                if grade is None:
                    counts[band][2] += 1
                else:
                    counts[band][0] += grade >= 1
                    counts[band][1] += 1
        print()
        print("bands of fit (top 10 of each need): useful among judged, and unjudged")
        for name, low in bands + [("below", 0.0)]:
            useful, judged, unjudged = counts[name]
            share = useful / judged if judged else 0.0
            print("  %-9s fit >= %.2f  precision %.3f  (%d of %d judged; %d unjudged)"
                  % (name, low, share, useful, judged, unjudged))
        tops = defaultdict(int)
        for qid in qrels:
            top = run.get(qid, [])
            band = next((name for name, low in bands if top and top[0][1] >= low), "below")
            tops[band] += 1
        print("  needs by the band of their best result: " +
              ", ".join("%s %d" % (name, tops[name]) for name, _ in bands + [("below", 0)]))

    if not args.no_answerable:
        print()
        subprocess.run([sys.executable, os.path.join(SHARED, "bench/answerable.py"), args.duijie,
                        os.path.join(args.suite, "catalog-full.jsonl"),
                        os.path.join(args.suite, "queries-need.jsonl"), qrels_path], check=True)


def band_edges(duijie):
    """The bands' lower edges, best first, as `duijie bands` prints them (none before bands exist)."""
    out = subprocess.run([duijie, "bands", "--json"], capture_output=True, text=True)
    if out.returncode != 0:
        return []
    return [(band["name"], band["min"]) for band in json.loads(out.stdout)]


if __name__ == "__main__":
    main()
