#!/usr/bin/env python3
"""Builds server/data/demo-catalog.jsonl.gz, the demo catalog `duijie serve` loads into an empty store.

usage: python3 server/data/make_demo.py [SHARED_DATA_DIR]   (default: ../shared/data from the repo root)

Achievements: the 1,903 CSL records of eval-dev/catalog-full.jsonl (interchange format), ids prefixed
`demo-`, each given a plausible region (a GB/T 2260 county), GB/T 4754 industry classes, cooperation
modes and a maturity. Experts, patents and organisations (`demo-expert-0001`, `demo-patent-0001`,
`demo-org-0001`) are made up from the same records: keywords and abstract sentences of one discipline
stay together. All names, numbers and contacts are fictitious. Deterministic (seed 20240601).
"""
import csv, gzip, json, os, random, re, sys

here = os.path.dirname(os.path.abspath(__file__))
data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "..", "shared", "data")
rng = random.Random(20240601)

with open(os.path.join(data, "eval-dev", "catalog-full.jsonl"), encoding="utf-8") as f:
    records = [json.loads(line) for line in f if line.strip()]
with open(os.path.join(data, "regions", "admin-divisions-gbt2260.csv"), encoding="utf-8") as f:
    counties = [row["code"] for row in csv.DictReader(f) if row["level"] == "3" and row.get("virtual", "0") == "0"]
with open(os.path.join(data, "classification", "gbt4754-2017-classes.csv"), encoding="utf-8") as f:
    industry_classes = [row["code"] for row in csv.DictReader(f)]

# Industries per discipline: a stable random handful, so resources of one discipline share industries.
disciplines = sorted({d for r in records for d in r.get("disciplines", [])})
industries_of = {d: rng.sample(industry_classes, 3) for d in disciplines}
all_modes = ["transfer", "license", "joint_rd", "consulting", "training", "equity", "promotion"]

by_disc = {}
for r in records:
    for d in r.get("disciplines", []):
        entry = by_disc.setdefault(d, {"keywords": [], "sentences": [], "titles": []})
        entry["keywords"] += [k for k in r.get("keywords", []) if k.lstrip()[:1] not in ("=", "@", "+", "-")]
        entry["titles"].append(r.get("title", ""))
        entry["sentences"] += [s.strip() for s in re.split(r"(?<=[。!?！？;；])", r.get("summary", "")) if len(s.strip()) >= 10]

def safe(keyword):
    """The server refuses values that Excel would run as formulas (see server/src/import.rs)."""
    k = keyword.lstrip()
    return not (k[:1] in ("=", "@") or (k[:1] in ("+", "-") and len(k) > 1 and not (k[1].isdigit() or k[1] in ". ")))

out = []
for r in records:
    res = dict(r)
    res["keywords"] = [k for k in r.get("keywords", []) if safe(k)]
    res["id"] = "demo-" + r["id"]
    res["region"] = rng.choice(counties)
    d = (r.get("disciplines") or [None])[0]
    if d:
        res["industries"] = rng.sample(industries_of[d], rng.randint(1, 2))
    res["modes"] = sorted(rng.sample(all_modes, rng.randint(1, 3)), key=all_modes.index)
    res["maturity"] = rng.randint(3, 8)
    out.append(res)

surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰新春海波宁晨瑞博文俊浩宇欣怡子涵思远"
positions = ["教授", "研究员", "副教授", "副研究员", "教授级高级工程师", "高级工程师"]
org_kinds = ["大学", "研究院", "研究所", "科技有限公司", "工程技术研究中心"]
city_words = ["华北", "华东", "华南", "西南", "西北", "东北", "中原", "江南", "滨海", "长江"]
sample_disc = [d for d in disciplines if by_disc[d]["keywords"] and by_disc[d]["sentences"]]

def org_name():
    return rng.choice(city_words) + rng.choice(["理工", "农业", "医科", "交通", "师范", "科技", "工业"]) + rng.choice(org_kinds) + "（示例）"

for i in range(1, 241):
    d = rng.choice(sample_disc)
    kws = list(dict.fromkeys(rng.sample(by_disc[d]["keywords"], min(5, len(by_disc[d]["keywords"])))))
    name = rng.choice(surnames) + "".join(rng.sample(given, rng.randint(1, 2)))
    org = org_name()
    out.append({
        "id": f"demo-expert-{i:04d}", "kind": "expert", "title": name,
        "summary": f"{org}{d}方向专家，长期从事{'、'.join(kws[:3])}等研究。" + rng.choice(by_disc[d]["sentences"]),
        "keywords": kws, "disciplines": [d], "industries": rng.sample(industries_of[d], 1),
        "region": rng.choice(counties), "organization": org,
        "modes": sorted(rng.sample(["consulting", "training", "joint_rd"], rng.randint(1, 3)), key=all_modes.index),
        "position": rng.choice(positions), "expertise": kws[:3],
        "contact": {"name": name, "phone": f"010-5550{i:04d}", "email": f"expert{i:04d}@example.org"},
    })

ipc_sections = ["A61K", "A01B", "B01D", "C02F", "C08L", "G06F", "G06N", "H01M", "H04L", "F16H", "E04B", "G01N"]
statuses = ["授权", "实质审查", "有效"]
for i in range(1, 181):
    d = rng.choice(sample_disc)
    kw = rng.sample(by_disc[d]["keywords"], 2)
    out.append({
        "id": f"demo-patent-{i:04d}", "kind": "patent",
        "title": f"一种基于{kw[0]}的{kw[1]}方法",
        "summary": " ".join(rng.sample(by_disc[d]["sentences"], min(2, len(by_disc[d]["sentences"])))),
        "keywords": kw, "disciplines": [d], "industries": rng.sample(industries_of[d], 1),
        "region": rng.choice(counties), "organization": org_name(),
        "modes": sorted(rng.sample(["transfer", "license", "equity"], rng.randint(1, 2)), key=all_modes.index),
        "maturity": rng.randint(3, 7),
        "patent": {"number": f"CN20{rng.randint(15, 23)}1{rng.randint(0, 9999999):07d}.{rng.randint(0, 9)}",
                   "ipc": [rng.choice(ipc_sections) + f" {rng.randint(1, 99)}/{rng.randint(0, 99):02d}"],
                   "status": rng.choice(statuses)},
        "contact": {"name": "专利代理人（示例）", "phone": f"021-5550{i:04d}"},
    })

org_types = ["学会服务站", "院士专家工作站", "专家工作站", "研究院", "重点实验室"]
for i in range(1, 101):
    d = rng.choice(sample_disc)
    kws = rng.sample(by_disc[d]["keywords"], min(4, len(by_disc[d]["keywords"])))
    kind = rng.choice(org_types)
    title = f"{rng.choice(city_words)}{d.split('/')[0]}{kind}（示例）"
    out.append({
        "id": f"demo-org-{i:04d}", "kind": "organization", "title": title,
        "summary": f"面向企业提供{'、'.join(kws[:3])}等方向的技术服务与对接。",
        "keywords": kws, "disciplines": [d], "industries": rng.sample(industries_of[d], 2),
        "region": rng.choice(counties), "society": f"中国{d.split('/')[0]}学会（示例）",
        "modes": sorted(rng.sample(["consulting", "training", "joint_rd", "promotion"], 2), key=all_modes.index),
        "contact": {"email": f"org{i:04d}@example.org"},
    })

target = os.path.join(here, "demo-catalog.jsonl.gz")
with gzip.GzipFile(target, "wb", mtime=0) as f:
    for res in out:
        f.write((json.dumps(res, ensure_ascii=False) + "\n").encode("utf-8"))
print(f"{target}: {len(out)} resources")
