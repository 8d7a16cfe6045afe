#!/usr/bin/env python3
"""Re-rank duijie's top ten for the `need` kind by a text feature, offline, to see whether the
feature would help before building it into the matcher (issue 16).

    target/release/duijie eval --suite ../shared/data/eval-dev --runs /tmp/runs
    python3 bench/experiments/rerank.py --runs /tmp/runs

Each need's ten results get the score `fit × (1 + α × feature)` and are sorted again; the script
prints `need` nDCG@10 (the pool's judgments, as `duijie eval` counts them) overall and by style for
each α. Two features:

- `proximity`: how many of the need's Han trigrams (and, with weight `--four`, 4-grams) the
  resource's title, keywords and summary contain: contiguous runs longer than the matcher's pairs.
  The form's labels and the asker's talk are cut first, roughly as `core/src/need_text.rs` does.
- `title`: the share of the form's name's (需求名称) pairs in the resource's title and keywords.

A re-rank of the top ten can only reorder what the matcher found; a feature that loses here would
lose in the matcher too, on the same needs.
"""
import argparse
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from quality import SHARED, style  # noqa: E402

sys.path.insert(0, os.path.join(SHARED, "bench"))
import needs_eval  # noqa: E402

HAN = re.compile(r"[\u4e00-\u9fff]+")
TALK = re.compile(r"(需求名称|需求描述|预期目标|合作方式|我们是|我公司|我院|想找|希望|需要)")


def grams(text, n):
    found = set()
    for run in HAN.findall(TALK.sub("，", text)):
        found.update(run[i : i + n] for i in range(len(run) - n + 1))
    return found


def proximity(need, resource, four):
    text = resource["title"] + "。" + "，".join(resource.get("keywords", [])) + "。" + resource.get("summary", "")
    return sum(g in text for g in grams(need, 3)) + four * sum(g in text for g in grams(need, 4))


def title(need, resource):
    name = re.search(r"需求名称：([^。]*)", need)
    if not name:
        return 0.0
    pairs = grams(name.group(1), 2)
    held = grams(resource["title"] + "，".join(resource.get("keywords", [])), 2)
    return len(pairs & held) / max(1, len(pairs))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", default=os.path.join(SHARED, "data/eval-dev"))
    parser.add_argument("--runs", required=True, help="the --runs folder of `duijie eval --suite`")
    parser.add_argument("--feature", choices=["proximity", "title"], default="proximity")
    parser.add_argument("--four", type=float, default=0.0, help="weight of a 4-gram (proximity)")
    parser.add_argument("--alphas", default="0,0.01,0.02,0.04,0.08")
    args = parser.parse_args()

    catalog = {}
    with open(os.path.join(args.suite, "catalog-full.jsonl"), encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            catalog[record["id"]] = record
    needs = {}
    with open(os.path.join(args.suite, "queries-need.jsonl"), encoding="utf-8") as lines:
        for line in lines:
            query = json.loads(line)
            need = query["need"]
            needs[query["qid"]] = need["text"] if isinstance(need, dict) else need
    results = {}
    with open(os.path.join(args.runs, "need", "duijie.run.tsv"), encoding="utf-8") as lines:
        for line in lines:
            qid, _rank, rid, fit = line.split()[:4]
            results.setdefault(qid, []).append((rid, float(fit)))
    qrels = needs_eval.load_qrels(os.path.join(args.suite, "qrels-need.tsv"))

    feature = {}
    for qid, ranked in results.items():
        for rid, _fit in ranked:
            if args.feature == "proximity":
                feature[qid, rid] = proximity(needs[qid], catalog[rid], args.four)
            else:
                feature[qid, rid] = title(needs[qid], catalog[rid])

    for alpha in (float(a) for a in args.alphas.split(",")):
        run = {}
        for qid, ranked in results.items():
            rescored = sorted(ranked, key=lambda r: -r[1] * (1 + alpha * feature[qid, r[0]]))
            run[qid] = [rid for rid, _fit in rescored]
        per_need = needs_eval.score(qrels, run)[1]["need"]
        by_style = {"a": [], "b": [], "c": []}
        for qid, value in zip(qrels.keys(), per_need):
            by_style[style(qid)].append(value)
        styles = "  ".join(f"{s} {statistics.mean(v):.4f}" for s, v in by_style.items())
        print(f"{args.feature} α={alpha:<5} need {statistics.mean(per_need):.4f}  {styles}")


if __name__ == "__main__":
    main()
